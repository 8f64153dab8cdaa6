import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, ActorKind } from '../context.js';
import { AppError } from '../errors.js';

type Guard = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

function signedIn(actor: Actor): boolean {
  return actor.type === 'user' || actor.type === 'api_key';
}

const unauthenticated = () =>
  new AppError('auth.unauthenticated', 401, 'Sign in, or send a valid access token or API key.');

/**
 * The route needs a signed-in user or API key holding `permission`. Guards run as preValidation hooks:
 * a caller who may not use a route learns that before anything about its input.
 */
export function requirePermission(permission: string): Guard {
  return (request, _reply, done) => {
    const { actor } = request.ctx;
    if (!signedIn(actor)) return done(unauthenticated());
    if (!actor.permissions?.has(permission)) {
      return done(
        new AppError('auth.forbidden', 403, `This needs the permission "${permission}".`, { permission }),
      );
    }
    done();
  };
}

/** The route needs a signed-in user (not an API key), optionally of one of the given kinds. */
export function requireUser(...kinds: ActorKind[]): Guard {
  return (request, _reply, done) => {
    const { actor } = request.ctx;
    // An API key is a credential, just not one this route takes: forbidden, not unauthenticated.
    if (actor.type === 'api_key') {
      return done(
        new AppError('auth.forbidden', 403, 'This needs a signed-in user; an API key cannot do it.'),
      );
    }
    if (actor.type !== 'user') return done(unauthenticated());
    if (kinds.length > 0 && (!actor.kind || !kinds.includes(actor.kind))) {
      return done(new AppError('auth.forbidden', 403, 'This is not available to your kind of account.'));
    }
    done();
  };
}
