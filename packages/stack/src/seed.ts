// `pnpm seed`: demo members, listings around one town, and a trade in progress, through the
// public API of a running graph (`pnpm start` in another terminal). Safe to run twice: members
// who exist already sign in, and their listings are not created again.
const GATEWAY = process.env.GATEWAY_URL ?? "http://localhost:4000/graphql";
const PASSWORD = "demo password, development only";
const TOWN = { lat: 52.0907, lon: 5.1214 }; // Utrecht

interface Member {
  id: string;
  name: string;
  token: string;
}

async function call<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(GATEWAY, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join("; ") ?? `HTTP ${res.status}`);
  return body.data;
}

/**
 * Verifies a new demo member's email as they would, from the development inbox (`GET /dev/mail`
 * on the gateway, when no SMTP_URL is set), so their welcome credits arrive.
 */
async function verifyFromDevelopmentInbox(email: string): Promise<void> {
  const inbox = new URL("/dev/mail", GATEWAY);
  inbox.searchParams.set("to", email);
  for (let i = 0; i < 200; i++) {
    const response = await fetch(inbox).catch(() => null);
    if (response?.status === 404) {
      console.warn(`${email}: mail goes to SMTP_URL, so verify it from that mailbox to get the welcome credits.`);
      return;
    }
    const mail = response?.ok ? ((await response.json()) as { text: string }[]) : [];
    const token = mail.map((m) => /verify-email\?token=([A-Za-z0-9_.-]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) {
      await call(`mutation ($token: String!) { verifyEmail(token: $token) { errors { message } } }`, { token });
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.warn(`${email}: no verification email arrived in the development inbox; its welcome credits wait for verification.`);
}

async function member(name: string): Promise<Member> {
  const email = `${name.toLowerCase()}@demo.localex`;
  const auth = `{ accessToken user { id } }`;
  try {
    const { register } = await call<{ register: { accessToken: string; user: { id: string } } }>(
      `mutation ($input: RegisterInput!) { register(input: $input) ${auth} }`,
      { input: { email, password: PASSWORD, displayName: name } },
    );
    await verifyFromDevelopmentInbox(email);
    return { id: register.user.id, name, token: register.accessToken };
  } catch {
    const { login } = await call<{ login: { accessToken: string; user: { id: string } } }>(`mutation ($input: LoginInput!) { login(input: $input) ${auth} }`, {
      input: { email, password: PASSWORD },
    });
    return { id: login.user.id, name, token: login.accessToken };
  }
}

const ITEMS: [owner: string, category: string, title: string, description: string, condition: string, credits: number | null][] = [
  ["Ann", "furniture", "Oak dining table", "Seats six, a few scratches, solid oak.", "GOOD", 60],
  ["Ann", "books", "Box of Dutch crime novels", "About twenty paperbacks, read once.", "LIKE_NEW", 10],
  ["Ann", "kitchen", "Cast iron skillet", "Seasoned 28 cm pan.", "GOOD", 15],
  ["Ann", "garden", "Rhubarb plants", "Three young plants, dig them up yourself.", "NEW", null],
  ["Ben", "tools", "Cordless drill with two batteries", "18 V, charger included.", "GOOD", 35],
  ["Ben", "sports", "Road bike, 56 cm frame", "Aluminium frame, new tyres last spring.", "FAIR", 80],
  ["Ben", "electronics", "Bluetooth speaker", "Waterproof, battery lasts a day.", "LIKE_NEW", 20],
  ["Ben", "clothing", "Winter coat, size M", "Warm parka, dark green.", "GOOD", 25],
  ["Cleo", "kids", "Wooden train set", "Tracks, bridge and eight wagons.", "GOOD", 18],
  ["Cleo", "kids", "Baby carrier", "Ergonomic carrier, washed.", "LIKE_NEW", 30],
  ["Cleo", "furniture", "Bookshelf, white", "Five shelves, 180 cm tall.", "FAIR", 12],
  ["Cleo", "other", "Board games bundle", "Catan, Carcassonne and Ticket to Ride.", "GOOD", 40],
  ["Dev", "electronics", "Mechanical keyboard", "Brown switches, US layout.", "GOOD", 45],
  ["Dev", "tools", "Ladder, 3 metres", "Aluminium folding ladder.", "GOOD", null],
  ["Dev", "kitchen", "Espresso machine", "Needs descaling, works fine.", "FAIR", 50],
  ["Dev", "garden", "Lawn mower", "Electric, 32 cm cut.", "POOR", 10],
];

async function main(): Promise<void> {
  const { categories } = await call<{ categories: { id: string; slug: string }[] }>(`{ categories { id slug } }`, {});
  const categoryId = new Map(categories.map((c) => [c.slug, c.id]));
  const members = new Map<string, Member>();
  for (const name of ["Ann", "Ben", "Cleo", "Dev"]) members.set(name, await member(name));

  const listingIds = new Map<string, string>();
  for (const [i, [owner, category, title, description, condition, creditPrice]] of ITEMS.entries()) {
    const who = members.get(owner)!;
    const mine = await call<{ me: { listings: { edges: { node: { id: string; title: string } }[] } } }>(
      `{ me { listings(first: 100) { edges { node { id title } } } } }`,
      {},
      who.token,
    );
    const existing = mine.me.listings.edges.find((e) => e.node.title === title);
    if (existing) {
      listingIds.set(title, existing.node.id);
      continue;
    }
    const location = { lat: TOWN.lat + Math.sin(i) * 0.03, lon: TOWN.lon + Math.cos(i * 1.7) * 0.05 };
    const { createListing } = await call<{ createListing: { listing: { id: string } | null; errors: { message: string }[] } }>(
      `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } errors { message } } }`,
      { input: { title, description, categoryId: categoryId.get(category), condition, creditPrice, location } },
      who.token,
    );
    if (!createListing.listing) throw new Error(`${title}: ${createListing.errors.map((e) => e.message).join("; ")}`);
    await call(`mutation ($id: ID!) { publishListing(id: $id) { errors { message } } }`, { id: createListing.listing.id }, who.token);
    listingIds.set(title, createListing.listing.id);
  }

  const ann = members.get("Ann")!;
  const ben = members.get("Ben")!;
  await call(
    `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { errors { message } } }`,
    {
      input: {
        recipientId: ben.id,
        offeredListingIds: [listingIds.get("Cast iron skillet")],
        requestedListingIds: [listingIds.get("Bluetooth speaker")],
        offeredCredits: 5,
        message: "Skillet and 5 credits for your speaker?",
      },
      key: "demo-seed-ann-ben",
    },
    ann.token,
  );

  console.log(`Seeded ${members.size} members and ${listingIds.size} listings; Ann has proposed a trade to Ben.`);
  console.log(`Sign in as ann@demo.localex, ben@demo.localex, cleo@demo.localex or dev@demo.localex with "${PASSWORD}".`);
}

main().catch((e: unknown) => {
  console.error(`Seeding failed: ${e instanceof Error ? e.message : String(e)}\nIs the graph running at ${GATEWAY}? (pnpm start)`);
  process.exit(1);
});
