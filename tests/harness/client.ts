// What a front-end does: POST GraphQL over HTTP to the gateway, and speak graphql-ws to it.
import { randomUUID } from "node:crypto";
import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import { inject } from "vitest";
import WebSocket from "ws";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export class GatewayClient {
  constructor(
    readonly url: string = inject("gatewayUrl"),
    readonly token?: string,
  ) {}

  withToken(token: string | undefined): GatewayClient {
    return new GatewayClient(this.url, token);
  }

  async request<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, "status">;
    return { status: response.status, ...body };
  }

  /** Like request, but fails the test on any GraphQL error. */
  async data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.request<T>(query, variables);
    if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
    return res.data;
  }
}

export function wsClient(token?: string, url: string = inject("wsUrl")): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    onNonLazyError: () => {},
  });
}

/** Runs one operation over graphql-ws and returns its first result. */
export function wsOnce<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<FormattedExecutionResult<T, unknown>>((resolve, reject) => {
    let result: FormattedExecutionResult<T, unknown> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = value;
        },
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error("completed without a result"))),
      },
    );
  });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  accessToken: string;
  refreshToken: string;
  client: GatewayClient;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) { accessToken refreshToken user { id email displayName verified createdAt } }
  }
`;

/** Registers a fresh user with a unique email. */
export async function registerUser(overrides: Partial<{ email: string; password: string; displayName: string }> = {}) {
  const email = overrides.email ?? `user-${randomUUID()}@localex.test`;
  const password = overrides.password ?? "correct horse battery";
  const displayName = overrides.displayName ?? "Test User";
  const { register } = await new GatewayClient().data<{
    register: { accessToken: string; refreshToken: string; user: { id: string } };
  }>(REGISTER, { input: { email, password, displayName } });
  return {
    id: register.user.id,
    email,
    password,
    displayName,
    accessToken: register.accessToken,
    refreshToken: register.refreshToken,
    client: new GatewayClient().withToken(register.accessToken),
  } satisfies TestUser;
}

export const ADMIN_EMAIL = "admin@localex.test"; // in ADMIN_EMAILS (global-setup.ts)
const ADMIN_PASSWORD = "correct horse battery admin";
let admin: Promise<GatewayClient> | undefined;

/** The admin, registered by whichever test asks first in this worker and signed in after. */
export function signInAdmin(): Promise<GatewayClient> {
  admin ??= (async () => {
    const anonymous = new GatewayClient();
    const input = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, displayName: "Admin" };
    const registered = await anonymous.request<{ register: { accessToken: string } }>(
      `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`,
      { input },
    );
    if (registered.data?.register) return anonymous.withToken(registered.data.register.accessToken);
    const { login } = await anonymous.data<{ login: { accessToken: string } }>(
      `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`,
      { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } },
    );
    return anonymous.withToken(login.accessToken);
  })();
  return admin;
}
