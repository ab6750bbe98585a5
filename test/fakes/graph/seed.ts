// Fast, deterministic, realistic tenant data: 10,000 users in a few tens of milliseconds.
import type { Directory, GraphGroup, GraphUser } from './directory.js';

export interface SeedSpec {
  /** How many users to create. */
  readonly users: number;
  /** Groups to create; members are drawn from all current users (seeded ones included). */
  readonly groups?: readonly { readonly name: string; readonly members: number }[];
  /** PRNG seed, so two runs produce the same people (ids are still random GUIDs). */
  readonly seed?: number;
  /** Mail domain; default contoso.com. */
  readonly domain?: string;
}

export interface SeedResult {
  readonly users: readonly GraphUser[];
  readonly groups: readonly GraphGroup[];
}

const GIVEN = ['Adele', 'Alex', 'Diego', 'Grady', 'Henrietta', 'Isaiah', 'Johanna', 'Joni', 'Lee',
  'Lidia', 'Lynne', 'Megan', 'Miriam', 'Nestor', 'Patti', 'Pradeep', 'Aisha', 'Björn', 'Chen',
  'Fatima', 'Kenji', 'María', 'Olusegun', 'Priya', 'Siobhán', 'Tomasz', 'Zoë', 'Émile'];
const SURNAMES = ['Vance', 'Wilber', 'Siciliani', 'Archie', 'Cartwright', 'Langer', 'Sherman',
  'Holloway', 'Gu', 'Fernandez', 'Robinson', 'Bowen', 'Wilkins', 'Gupta', 'Nakamura', "O'Brien",
  'García-López', 'Okafor', 'Kowalski', 'Nguyen', 'Schmidt', 'Ahmed', 'van der Berg', 'Müller'];
const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Human Resources', 'Legal',
  'Operations', 'Customer Success', 'Research', 'Facilities'];
const TITLES = ['Analyst', 'Engineer', 'Senior Engineer', 'Manager', 'Director', 'Specialist',
  'Coordinator', 'Consultant', 'Associate', 'Lead'];
const OFFICES = ['London', 'Seattle', 'Dublin', 'Berlin', 'Singapore', 'Toronto', 'Remote'];
const TYPES = ['Employee', 'Contractor', 'Intern', 'Consultant'];

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

const ascii = (s: string): string =>
  s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]/g, '').toLowerCase();

export function seedDirectory(dir: Directory, spec: SeedSpec): SeedResult {
  const rand = prng(spec.seed ?? 1);
  const domain = spec.domain ?? 'contoso.com';
  const start = dir.userOrder.length;
  const users: GraphUser[] = [];
  for (let i = 0; i < spec.users; i++) {
    const n = start + i;
    const givenName = pick(rand, GIVEN);
    const surname = pick(rand, SURNAMES);
    const local = `${ascii(givenName)}.${ascii(surname)}${n}`;
    // The first tenth are managers; everyone after reports to one of them.
    const managers = Math.max(1, Math.floor(users.length / 10));
    const managerId = i > 0 && users.length > 0
      ? users[Math.floor(rand() * Math.min(managers, users.length))]?.id ?? null : null;
    users.push(dir.addUser({
      displayName: `${givenName} ${surname}`,
      givenName,
      surname,
      mail: `${local}@${domain}`,
      userPrincipalName: `${local}@${domain}`,
      employeeId: String(100000 + n),
      jobTitle: pick(rand, TITLES),
      department: pick(rand, DEPARTMENTS),
      companyName: 'Contoso Ltd',
      officeLocation: pick(rand, OFFICES),
      mobilePhone: rand() < 0.7 ? `+44 7700 ${String(900000 + (n % 100000)).slice(-6)}` : null,
      businessPhones: rand() < 0.8 ? [`+1 425 555 ${String(n % 10000).padStart(4, '0')}`] : [],
      employeeType: pick(rand, TYPES),
      accountEnabled: rand() > 0.03,
      onPremisesExtensionAttributes: {
        extensionAttribute1: `CC-${1000 + Math.floor(rand() * 50)}`,
        extensionAttribute2: rand() < 0.5 ? 'badge-ok' : null,
      },
      managerId,
    }));
  }
  const groups: GraphGroup[] = [];
  const pool = [...dir.users.keys()];
  for (const spec_ of spec.groups ?? []) {
    if (spec_.members > pool.length) {
      throw new Error(`group ${spec_.name} wants ${spec_.members} members but there are ${pool.length} users`);
    }
    const group = dir.addGroup(spec_.name);
    const first = Math.floor(rand() * pool.length);
    for (let k = 0; k < spec_.members; k++) dir.addMember(group.id, pool[(first + k) % pool.length] as string);
    groups.push(group);
  }
  return { users, groups };
}
