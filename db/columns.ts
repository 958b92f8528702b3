import { BigIntType } from '@mikro-orm/core';

// The column shapes the entity schemas (db/entities.ts, db/team-entities.ts) are written with.

export const text = { type: 'text' } as const;
export const optionalText = { type: 'text', nullable: true } as const;
export const money = { type: new BigIntType('number') } as const;
export const timestamp = { type: 'datetime', columnType: 'timestamptz' } as const;
export const optionalTimestamp = { ...timestamp, nullable: true } as const;
