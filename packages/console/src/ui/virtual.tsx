/**
 * A table that renders only the rows in view: @tanstack/virtual-core (the
 * engine under TanStack's React virtualiser, framework-free, so it serves
 * Preact without a React compatibility layer) says which rows the scroll
 * box shows; spacer rows above and below keep the scroll height, so the
 * table keeps its columns, its header and the native keyboard: the box
 * takes the focus (arrows, Page Up/Down, Home/End scroll it) and each
 * rendered row's link is a tab stop.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect, type VirtualizerOptions } from '@tanstack/virtual-core';

/** Every row's height in px (the table's rows do not wrap: style.css's .virtual td). */
export const ROW_PX = 33;

export function VirtualTable<T>(props: {
  rows: readonly T[];
  head: ComponentChildren;
  row: (item: T) => ComponentChildren;
  class: string;
  label: string;
  columns: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const options: VirtualizerOptions<HTMLDivElement, HTMLTableRowElement> = {
    count: props.rows.length,
    getScrollElement: () => box.current,
    estimateSize: () => ROW_PX,
    overscan: 10,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    // A first paint before the box is measured shows a screenful, not nothing.
    initialRect: { width: 1280, height: 20 * ROW_PX },
    onChange: () => rerender(0),
  };
  const [virtualizer] = useState(() => new Virtualizer(options));
  virtualizer.setOptions(options);
  useLayoutEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => virtualizer._willUpdate());
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <div class="table-wrap virtual" ref={box} tabIndex={0} role="region" aria-label={props.label}>
      <table class={props.class} aria-rowcount={props.rows.length + 1}>
        <thead>{props.head}</thead>
        <tbody>
          {before > 0 && <tr class="spacer" aria-hidden="true" style={{ height: `${before}px` }}><td colSpan={props.columns} /></tr>}
          {items.map((v) => props.row(props.rows[v.index]!))}
          {after > 0 && <tr class="spacer" aria-hidden="true" style={{ height: `${after}px` }}><td colSpan={props.columns} /></tr>}
        </tbody>
      </table>
    </div>
  );
}
