import { testStack } from './stack';

describe('Kratos, started by the stack for the consoles', () => {
  test('is healthy, migrated, and serves our identity schema', async () => {
    const ready = await fetch(`${testStack().kratos_admin_url}/admin/health/ready`);
    expect(ready.status).toBe(200);
    const schemas = (await (await fetch(`${testStack().kratos_public_url}/schemas`)).json()) as {
      id: string;
      schema: { properties: { traits: { properties: Record<string, unknown> } } };
    }[];
    expect(schemas.length).toBeGreaterThan(0);
    expect(Object.keys(schemas[0].schema.properties.traits.properties)).toEqual(expect.arrayContaining(['email']));
    // The migrations ran: listing identities reads the identities table.
    const identities = await fetch(`${testStack().kratos_admin_url}/admin/identities`);
    expect(identities.status).toBe(200);
  });
});
