-- The two enum types of SPEC §3. Names are quoted (mixed case) and the value order is part
-- of the contract: BillingCore's BillingStatus / PaymentSource raw values match these labels.

CREATE TYPE "BillingStatus" AS ENUM (
    'PENDING', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'UNPAID', 'PAUSED', 'CANCELED'
);

CREATE TYPE "PaymentSource" AS ENUM ('NONE', 'STRIPE', 'MANUAL', 'WAIVED');
