/**
 * Every rate limit in the graph: what it counts, by which key, and its defaults. Each is set by
 * `RATE_LIMIT_<NAME>=<count>/<seconds>` (listed in .env.example). Development and test defaults
 * let a test suite register a few hundred members from one address within a minute, yet stay
 * low enough for a test to reach; production defaults are tight. Benchmarks raise them.
 */
export const RATE_LIMIT_RULES = {
  /** Registrations per client address. */
  REGISTER_PER_ADDRESS: { production: "10/3600", development: "600/60" },
  /** Login attempts per email from one address, counted before the password is checked. */
  LOGIN_PER_EMAIL_AND_ADDRESS: { production: "5/900", development: "10/60" },
  /** Login attempts per address, whatever the email (guessing across accounts). */
  LOGIN_PER_ADDRESS: { production: "30/900", development: "2000/60" },
  /**
   * Failed logins per account, from any address: past the count, attempts from devices not known
   * for the account wait (LOGIN_BACKOFF_*); the count is forgotten this many seconds after the
   * wait in force ends. Development allows more than a test's own guesses for one account.
   */
  LOGIN_FAILURES_PER_ACCOUNT: { production: "10/3600", development: "20/60" },
  /** Login attempts through one known device (its device token), counted before the password is checked. */
  LOGIN_PER_DEVICE: { production: "10/900", development: "10/60" },
  /** Session refreshes per session, and per address. */
  REFRESH_PER_SESSION: { production: "30/900", development: "60/60" },
  REFRESH_PER_ADDRESS: { production: "300/900", development: "5000/60" },
  /** Verification emails sent again, per account. */
  VERIFICATION_EMAIL_PER_ACCOUNT: { production: "5/3600", development: "5/3600" },
  /** Money-moving mutations per member (transfers, accepting and confirming trades); admins' grants are not limited. */
  MONEY_PER_ACCOUNT: { production: "30/60", development: "60/60" },
  /** Trade proposals and counter-offers per account. */
  PROPOSE_TRADE_PER_ACCOUNT: { production: "20/600", development: "60/60" },
  /** Trade messages sent and hand-over points shared, per account. */
  TRADE_MESSAGE_PER_ACCOUNT: { production: "30/60", development: "120/60" },
  /** New listings per account. */
  CREATE_LISTING_PER_ACCOUNT: { production: "30/3600", development: "60/60" },
  /** Uploads started (photos, avatars, documents) per account. */
  UPLOAD_PER_ACCOUNT: { production: "60/3600", development: "30/60" },
  /** Searches and suggestions per account (signed in) or per address (anonymous). */
  SEARCH_PER_CLIENT: { production: "120/60", development: "1000/60" },
  /** Member lookups (members(query:)) per account (signed in) or per address (anonymous): a brake on walking the member list. */
  MEMBER_LOOKUP_PER_CLIENT: { production: "60/60", development: "120/60" },
  /** Reports of listings and members sent per account (reportListing, reportMember): a brake on flooding the admins' queue. */
  REPORT_PER_ACCOUNT: { production: "10/3600", development: "60/60" },
  /** New WebSocket connections per address. */
  WS_CONNECT_PER_ADDRESS: { production: "30/60", development: "1000/60" },
  /** Data exports requested per account (each gathers everything from every subgraph). */
  DATA_EXPORT_PER_ACCOUNT: { production: "3/86400", development: "30/60" },
  /** Ledger statements (CSV, by job) requested per account, counted once the range and kinds are accepted. */
  STATEMENT_PER_ACCOUNT: { production: "10/3600", development: "30/60" },
  /** Password-reset links asked for, per address and per email (registered or not), counted before the email is looked up. */
  PASSWORD_RESET_PER_ADDRESS: { production: "10/3600", development: "600/60" },
  PASSWORD_RESET_PER_EMAIL: { production: "3/3600", development: "5/60" },
  /** Password changes attempted per account, counted before the current password is checked. */
  PASSWORD_CHANGE_PER_ACCOUNT: { production: "5/3600", development: "10/60" },
  /** Email changes asked for per account, counted before the password is checked (each mails two addresses). */
  EMAIL_CHANGE_PER_ACCOUNT: { production: "5/3600", development: "10/60" },
  /** Account deletions attempted per account, counted before the password is checked. */
  DELETE_ACCOUNT_PER_ACCOUNT: { production: "5/3600", development: "10/60" },
  /** Subscriptions started per account (signed in) or per address (anonymous). */
  SUBSCRIBE_PER_CLIENT: { production: "120/60", development: "600/60" },
} as const;

export type RateLimitName = keyof typeof RATE_LIMIT_RULES;
export const RATE_LIMIT_NAMES = Object.keys(RATE_LIMIT_RULES) as RateLimitName[];
export const RATE_LIMIT_PATTERN = /^\d{1,7}\/\d{1,7}$/;

export interface RateRule {
  name: RateLimitName;
  points: number;
  windowSeconds: number;
}

/** The rule in force: `RATE_LIMIT_<NAME>` when set, else the default for the environment. */
export function rateRule(name: RateLimitName, env: { NODE_ENV: string } & Partial<Record<`RATE_LIMIT_${RateLimitName}`, string>>): RateRule {
  const value = env[`RATE_LIMIT_${name}`] ?? RATE_LIMIT_RULES[name][env.NODE_ENV === "production" ? "production" : "development"];
  const [points, seconds] = value.split("/").map(Number) as [number, number];
  return { name, points, windowSeconds: seconds };
}
