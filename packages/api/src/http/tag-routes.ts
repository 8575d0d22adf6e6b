/**
 * Neutron's tag sub-resource (its tagging extension) on networks, subnets
 * and ports: `GET|PUT|DELETE /v2.0/{collection}/{id}/tags` and
 * `GET|PUT|DELETE /v2.0/{collection}/{id}/tags/{tag}`. The openstack CLI's
 * `--tag`/`--no-tag` replace the whole list with one PUT. Each route reads
 * the resource through its show handler and writes its `tags` through its
 * update handler at the revision it read, so two tag edits never lose each
 * other; one that lost to another write reads and tries again.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { uniqueTags } from '../attributes.js';
import { ApiError } from '../errors.js';
import type { Call, RouteContext, RouteAnswer } from './server.js';

const COLLECTIONS = [
  { collection: 'networks', member: 'network' },
  { collection: 'subnets', member: 'subnet' },
  { collection: 'ports', member: 'port' },
] as const;

/** Tag edits that lose to a concurrent write read again, this many times in all. */
const MAX_ATTEMPTS = 5;

interface Tagged {
  readonly tags: string[];
  readonly revision_number: number;
}

/** A `{"tags": [...]}` body's list, or a 400. Pure. */
function tagsOf(body: unknown): string[] {
  const tags = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).tags : undefined;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new ApiError('VALIDATION_FAILED', 'Invalid tags body: {"tags": [...]} of strings required', 'tags');
  return tags as string[];
}

export function registerTagRoutes(app: FastifyInstance, call: Call, ctx: RouteContext): void {
  for (const { collection, member } of COLLECTIONS) {
    const show = async (id: string) => ((await call(`${collection}.show`, { id })) as Record<string, Tagged>)[member]!;
    /** Reads the tags, and writes `change(tags)` unless it is undefined (nothing to write); the tags as they end. */
    const edit = async (id: string, change: (tags: string[]) => string[] | undefined): Promise<string[]> => {
      for (let attempt = 1; ; attempt++) {
        const current = await show(id);
        const wanted = change(current.tags);
        if (wanted === undefined) return current.tags;
        try {
          const answer = (await call(`${collection}.update`, { id, tags: wanted, revision_number: current.revision_number })) as Record<string, Tagged>;
          return answer[member]!.tags;
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 'VERSION_CONFLICT') || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    };
    const tagNotFound = (tag: string, id: string): RouteAnswer => ({
      status: 404,
      neutronError: { type: 'TagNotFound', message: `Tag ${tag} could not be found for ${member} ${id}.` },
    });
    const params = (request: FastifyRequest) => request.params as { id: string; tag?: string };
    const base = `/v2.0/${collection}/:id/tags`;

    app.get(base, ctx.route(member, async (request) => ({ status: 200, body: { tags: (await show(params(request).id)).tags } })));
    app.get(`${base}/:tag`, ctx.route(member, async (request) => {
      const { id, tag } = params(request);
      return (await show(id)).tags.includes(tag!) ? { status: 204 } : tagNotFound(tag!, id);
    }));
    app.put(base, ctx.route(member, async (request) => {
      const wanted = uniqueTags(tagsOf(request.body));
      ctx.note(request, { body: { tags: wanted } });
      return { status: 200, body: { tags: await edit(params(request).id, () => wanted) } };
    }));
    app.put(`${base}/:tag`, ctx.route(member, async (request) => {
      const { id, tag } = params(request);
      await edit(id, (tags) => (tags.includes(tag!) ? undefined : [...tags, tag!]));
      return { status: 201 };
    }));
    app.delete(base, ctx.route(member, async (request) => {
      await edit(params(request).id, (tags) => (tags.length === 0 ? undefined : []));
      return { status: 204 };
    }));
    app.delete(`${base}/:tag`, ctx.route(member, async (request) => {
      const { id, tag } = params(request);
      let found = true;
      await edit(id, (tags) => {
        found = tags.includes(tag!);
        return found ? tags.filter((t) => t !== tag) : undefined;
      });
      return found ? { status: 204 } : tagNotFound(tag!, id);
    }));
  }
}
