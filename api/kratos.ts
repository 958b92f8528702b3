import { createHash } from 'node:crypto';
import { Configuration, FrontendApi, IdentityApi, type Identity, type Session } from '@ory/kratos-client';
import { AppError, AuthenticationError } from './errors';

/**
 * The header the consoles' server forwards a signed-in person's Kratos session in: the value of
 * the `ory_kratos_session` cookie. A header, not the cookie itself: the browser sends cookies to
 * every port of 127.0.0.1, the API's too, so an API that read the cookie could be driven by any
 * page on the host (CSRF); a header it sets only from its own server.
 */
export const SESSION_HEADER = 'Tongbao-Session';
export const KRATOS_SESSION_COOKIE = 'ory_kratos_session';

/** A person signed in to a console, as Kratos vouches for them. */
export interface ConsoleSession {
  identityId: string;
  /** kratos/merchant_user.schema.json or kratos/staff.schema.json. */
  schemaId: string;
  email: string;
  name: string;
  locale: 'zh-CN' | 'en-US';
  /** aal2 once a second factor (TOTP, a security key) was used. */
  aal: 'aal1' | 'aal2';
  emailVerified: boolean;
}

type Traits = { email?: string; name?: string; locale?: string };

export function sessionOf(identity: Identity, aal: string | undefined): ConsoleSession {
  const traits = (identity.traits ?? {}) as Traits;
  const email = traits.email ?? '';
  return {
    identityId: identity.id,
    schemaId: identity.schema_id,
    email,
    name: traits.name ?? email,
    locale: traits.locale === 'en-US' ? 'en-US' : 'zh-CN',
    aal: aal === 'aal2' || aal === 'aal3' ? 'aal2' : 'aal1',
    emailVerified: (identity.verifiable_addresses ?? []).some(
      (address) => address.value.toLowerCase() === email.toLowerCase() && address.verified,
    ),
  };
}

/** The HTTP status Kratos answered with, when the client's error carries one. */
function statusOf(error: unknown): number | null {
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : null;
}

/** Kratos could not be asked: a console request fails 503, and retrying later makes sense. */
function kratosUnavailable(cause: unknown): AppError {
  return new AppError(
    'api_error',
    'identity_service_unavailable',
    'Sign-in could not be checked; retry shortly.',
    null,
    {
      status: 503,
      cause,
      retryAfterSeconds: 2,
    },
  );
}

/**
 * Kratos as the API uses it: a session's owner (public API, with a short cache) and the admin
 * calls that invite a team member. `null` URLs (no Kratos configured) refuse every session.
 */
export class Kratos {
  private readonly frontend: FrontendApi | null;
  private readonly identities: IdentityApi | null;
  private readonly sessions = new Map<string, { session: ConsoleSession; until: number }>();

  constructor(
    urls: { publicUrl: string | null; adminUrl: string | null },
    /**
     * How long a checked session is trusted without asking Kratos again: a signed-out session is
     * refused within this long. Short, because a session is a person; long enough that a page's
     * several API calls ask Kratos once.
     */
    private readonly ttlMs = 5_000,
    private readonly maxSessions = 10_000,
  ) {
    this.frontend = urls.publicUrl ? new FrontendApi(new Configuration({ basePath: urls.publicUrl })) : null;
    this.identities = urls.adminUrl ? new IdentityApi(new Configuration({ basePath: urls.adminUrl })) : null;
  }

  /** The person whose session token this is; AuthenticationError when it is not (or no longer) valid. */
  async whoami(token: string): Promise<ConsoleSession> {
    if (!/^[A-Za-z0-9_=.-]{16,4096}$/.test(token))
      throw new AuthenticationError('session_invalid', `The ${SESSION_HEADER} header does not hold a Kratos session.`);
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.sessions.get(key);
    if (cached && cached.until > Date.now()) return cached.session;
    this.sessions.delete(key);
    if (!this.frontend)
      throw new AuthenticationError('session_unsupported', 'This API has no identity service: use a secret key.');
    let found: Session;
    try {
      found = (
        await this.frontend.toSession(
          { cookie: `${KRATOS_SESSION_COOKIE}=${token}` },
          { timeout: 5_000, validateStatus: (status) => status === 200 },
        )
      ).data;
    } catch (error) {
      if (statusOf(error) === 401)
        throw new AuthenticationError('session_invalid', 'The session has ended: sign in again.');
      if (statusOf(error) === 403)
        // Kratos' session_aal2_required: the person has a second factor and has not used it yet.
        throw new AuthenticationError('session_aal2_required', 'Sign in with your second factor to continue.');
      throw kratosUnavailable(error);
    }
    if (!found.active || !found.identity)
      throw new AuthenticationError('session_invalid', 'The session has ended: sign in again.');
    const session = sessionOf(found.identity, found.authenticator_assurance_level);
    if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(key, { session, until: Date.now() + this.ttlMs });
    return session;
  }

  private admin(): IdentityApi {
    if (!this.identities)
      throw new AppError('api_error', 'identity_service_unavailable', 'This API has no identity service.', null, {
        status: 503,
      });
    return this.identities;
  }

  /** The identity signing in with this e-mail address, or null. */
  async findByEmail(email: string): Promise<Identity | null> {
    try {
      const found = await this.admin().listIdentities(
        { credentialsIdentifier: email.toLowerCase() },
        { timeout: 5_000 },
      );
      return found.data[0] ?? null;
    } catch (error) {
      throw kratosUnavailable(error);
    }
  }

  /** A merchant user for an invitation: no password yet; they set one after the recovery code. */
  async createMerchantUser(traits: { email: string; name: string; locale: 'zh-CN' | 'en-US' }): Promise<Identity> {
    return this.createIdentity('merchant_user', traits);
  }

  /** A platform staff member for an invitation (kratos/staff.schema.json: made only here, never by sign-up). */
  async createStaffUser(traits: { email: string; name: string; locale: 'zh-CN' | 'en-US' }): Promise<Identity> {
    return this.createIdentity('staff', traits);
  }

  /** Ends every session of the identity at Kratos (a lock, a reset second factor); cached ones end within the cache's TTL. */
  async revokeSessions(identityId: string): Promise<void> {
    try {
      await this.admin().deleteIdentitySessions({ id: identityId }, { timeout: 5_000 });
    } catch (error) {
      // No sessions to end: Kratos answers 404.
      if (statusOf(error) !== 404) throw kratosUnavailable(error);
    }
  }

  /**
   * Removes the identity's second factors (authenticator app, security keys, backup codes): a
   * staff member who lost their phone sets a new one up at their next sign-in.
   */
  async removeSecondFactors(identityId: string): Promise<void> {
    for (const type of ['totp', 'webauthn', 'lookup_secret'] as const) {
      try {
        await this.admin().deleteIdentityCredentials({ id: identityId, type }, { timeout: 5_000 });
      } catch (error) {
        // The identity has no credential of this type.
        if (statusOf(error) !== 404) throw kratosUnavailable(error);
      }
    }
  }

  private async createIdentity(
    schemaId: 'merchant_user' | 'staff',
    traits: { email: string; name: string; locale: 'zh-CN' | 'en-US' },
  ): Promise<Identity> {
    try {
      const created = await this.admin().createIdentity(
        { createIdentityBody: { schema_id: schemaId, traits, state: 'active' } },
        { timeout: 5_000 },
      );
      return created.data;
    } catch (error) {
      if (statusOf(error) === 409) {
        const existing = await this.findByEmail(traits.email);
        if (existing) return existing;
      }
      throw kratosUnavailable(error);
    }
  }

  /**
   * A recovery code for `identityId` and the link of its flow: an invitation's way in (the person
   * enters the code, is signed in, and sets a password).
   */
  async recoveryCode(identityId: string, expiresIn: string): Promise<{ code: string; link: string }> {
    try {
      const created = await this.admin().createRecoveryCodeForIdentity(
        { createRecoveryCodeForIdentityBody: { identity_id: identityId, expires_in: expiresIn } },
        { timeout: 5_000 },
      );
      return { code: created.data.recovery_code, link: created.data.recovery_link };
    } catch (error) {
      throw kratosUnavailable(error);
    }
  }
}
