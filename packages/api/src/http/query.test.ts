import { describe, expect, it } from 'vitest';
import { filterItems, handlerPageAnswer, handlerPaging, listAnswer, pageItems, selectFields, sortItems } from './query.js';

const ports = [
  { id: 'c', name: 'p3', admin_state_up: true, device_owner: 'compute:nova', fixed_ips: [{ subnet_id: 's1', ip_address: '198.18.0.3' }] },
  { id: 'a', name: 'p1', admin_state_up: false, device_owner: 'network:dhcp', fixed_ips: [{ subnet_id: 's1', ip_address: '198.18.0.1' }] },
  { id: 'b', name: 'p2', admin_state_up: true, device_owner: 'compute:nova', fixed_ips: [{ subnet_id: 's2', ip_address: '198.18.1.2' }] },
];
const ids = (items: { id: unknown }[]) => items.map((i) => i.id);

describe('Neutron list queries', () => {
  it('filters by any field, a repeated key being either value, booleans as Neutron writes them', () => {
    expect(ids(filterItems(ports, { device_owner: 'compute:nova' }))).toEqual(['c', 'b']);
    expect(ids(filterItems(ports, { name: ['p1', 'p3'] }))).toEqual(['c', 'a']);
    expect(ids(filterItems(ports, { admin_state_up: 'False' }))).toEqual(['a']);
    expect(ids(filterItems(ports, { admin_state_up: 'true', name: 'p2' }))).toEqual(['b']);
    expect(ids(filterItems(ports, { colour: 'red' }))).toEqual([]);
  });

  it('filters ports by what is inside their fixed IPs', () => {
    expect(ids(filterItems(ports, { fixed_ips: 'ip_address=198.18.1.2' }))).toEqual(['b']);
    expect(ids(filterItems(ports, { fixed_ips: 'subnet_id=s1' }))).toEqual(['c', 'a']);
    expect(() => filterItems(ports, { fixed_ips: '198.18.1.2' })).toThrow(/ip_address=X/);
  });

  it('sorts by sort_key and sort_dir, then by id', () => {
    expect(ids(sortItems(ports, {}))).toEqual(['a', 'b', 'c']);
    expect(ids(sortItems(ports, { sort_key: 'device_owner', sort_dir: 'desc' }))).toEqual(['a', 'b', 'c']);
    expect(ids(sortItems(ports, { sort_key: ['device_owner', 'name'], sort_dir: ['asc', 'desc'] }))).toEqual(['c', 'b', 'a']);
    expect(() => sortItems(ports, { sort_key: 'name', sort_dir: 'up' })).toThrow(/asc or desc/);
  });

  it('pages with limit and marker, forwards and backwards, with next and previous links', () => {
    const sorted = sortItems(ports, {});
    expect(pageItems(sorted, {}, 'http://h/v2.0/ports')).toEqual({ items: sorted });
    const first = pageItems(sorted, { limit: '2', name: ['p1', 'p2', 'p3'] }, 'http://h/v2.0/ports');
    expect(ids(first.items)).toEqual(['a', 'b']);
    expect(first.links).toEqual([{ href: 'http://h/v2.0/ports?name=p1&name=p2&name=p3&limit=2&marker=b', rel: 'next' }]);
    const second = pageItems(sorted, { limit: '2', marker: 'b' }, 'http://h/v2.0/ports');
    expect(ids(second.items)).toEqual(['c']);
    expect(second.links).toEqual([{ href: 'http://h/v2.0/ports?limit=2&marker=c&page_reverse=True', rel: 'previous' }]);
    const back = pageItems(sorted, { limit: '1', marker: 'c', page_reverse: 'True' }, 'http://h/v2.0/ports');
    expect(ids(back.items)).toEqual(['b']);
    expect(() => pageItems(sorted, { limit: 'x' }, '')).toThrow(/limit/);
    expect(() => pageItems(sorted, { limit: '1', marker: 'zz' }, '')).toThrow(/marker zz/);
  });

  it('keeps only the fields asked for', () => {
    expect(selectFields(ports[0]!, { fields: ['id', 'name', 'nothing'] })).toEqual({ id: 'c', name: 'p3' });
    expect(selectFields(ports[0]!, {})).toEqual(ports[0]);
  });

  it('answers a list under its collection, with links only when there is another page', () => {
    expect(listAnswer('ports', ports, { fields: 'id', device_owner: 'compute:nova' }, 'u')).toEqual({ ports: [{ id: 'b' }, { id: 'c' }] });
    expect(listAnswer('ports', ports, { limit: '1' }, 'u')).toEqual({ ports: [ports[1]], ports_links: [{ href: 'u?limit=1&marker=a', rel: 'next' }] });
  });

  it("leaves paging to the handler only when its page is the same: a limit, id order, forwards, only filters it applies", () => {
    expect(handlerPaging({ limit: '100', network_id: 'n' }, ['network_id'])).toEqual({ limit: 100 });
    expect(handlerPaging({ limit: '2', marker: 'b' }, [])).toEqual({ limit: 2, marker: 'b' });
    expect(handlerPaging({}, [])).toBeUndefined();
    expect(handlerPaging({ limit: '0' }, [])).toBeUndefined();
    expect(handlerPaging({ limit: '2', sort_key: 'name' }, [])).toBeUndefined();
    expect(handlerPaging({ limit: '2', page_reverse: 'True' }, [])).toBeUndefined();
    expect(handlerPaging({ limit: '2', name: 'p1' }, ['network_id'])).toBeUndefined();
    expect(handlerPaging({ limit: '2', network_id: ['n', 'm'] }, ['network_id'])).toBeUndefined();
    expect(handlerPageAnswer('ports', [ports[1]!, ports[2]!], true, { limit: '2', marker: '0', fields: 'id' }, 'u')).toEqual({
      ports: [{ id: 'a' }, { id: 'b' }],
      ports_links: [
        { href: 'u?fields=id&limit=2&marker=b', rel: 'next' },
        { href: 'u?fields=id&limit=2&marker=a&page_reverse=True', rel: 'previous' },
      ],
    });
  });
});
