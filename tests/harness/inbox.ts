// A member's in-app notifications, as they read them through the gateway.
import type { TestUser } from "./client.ts";

const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;

/** The messages of the member's newest 20 notifications of one kind, newest first. */
export async function inboxMessages(user: Pick<TestUser, "client">, kind: string): Promise<string[]> {
  const { notifications } = await user.client.data<{ notifications: { edges: { node: { kind: string; message: string } }[] } }>(INBOX);
  return notifications.edges.filter((e) => e.node.kind === kind).map((e) => e.node.message);
}
