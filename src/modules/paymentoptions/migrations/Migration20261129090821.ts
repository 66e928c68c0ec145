import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261129090821 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "paymentoptions_webhook_transaction" drop constraint if exists "paymentoptions_webhook_transaction_transaction_id_unique";`);
    this.addSql(`alter table if exists "paymentoptions_saved_card" drop constraint if exists "paymentoptions_saved_card_account_holder_id_token_unique";`);
    this.addSql(`alter table if exists "paymentoptions_return_refund" drop constraint if exists "paymentoptions_return_refund_return_id_unique";`);
    this.addSql(`alter table if exists "paymentoptions_orphan_payment" drop constraint if exists "paymentoptions_orphan_payment_transaction_id_unique";`);
    this.addSql(`alter table if exists "paymentoptions_operation" drop constraint if exists "paymentoptions_operation_key_unique";`);
    this.addSql(`create table if not exists "paymentoptions_operation" ("id" text not null, "key" text not null, "kind" text check ("kind" in ('sale', 'pre_auth', 'capture', 'void', 'refund')) not null, "status" text check ("status" in ('sending', 'pending', 'unknown', 'succeeded', 'declined')) not null default 'sending', "provider_id" text null, "session_id" text not null, "medusa_id" text null, "parent_transaction_id" text null, "transaction_id" text null, "transaction_ref" text null, "amount" numeric not null, "currency_code" text not null, "code" text null, "message" text null, "response_code" integer null, "client_ip" text null, "issued_token" text null, "account_holder_id" text null, "card" jsonb null, "settled_at" timestamptz null, "resolution" jsonb null, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_operation_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_deleted_at" ON "paymentoptions_operation" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_key_unique" ON "paymentoptions_operation" ("key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_session_id" ON "paymentoptions_operation" ("session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_transaction_id" ON "paymentoptions_operation" ("transaction_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_parent_transaction_id" ON "paymentoptions_operation" ("parent_transaction_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_medusa_id" ON "paymentoptions_operation" ("medusa_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_one_open_refund" ON "paymentoptions_operation" ("parent_transaction_id") WHERE kind = 'refund' AND status IN ('sending', 'pending', 'unknown') AND deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_operation_one_open_card_payment" ON "paymentoptions_operation" ("session_id") WHERE kind IN ('sale', 'pre_auth') AND status IN ('sending', 'pending', 'unknown') AND deleted_at IS NULL;`);

    this.addSql(`create table if not exists "paymentoptions_orphan_payment" ("id" text not null, "transaction_id" text not null, "session_id" text not null, "provider_id" text null, "kind" text check ("kind" in ('sale', 'pre_auth')) not null, "amount" numeric not null, "currency_code" text not null, "status" text check ("status" in ('open', 'refunding', 'refunded', 'released', 'unknown', 'dismissed')) not null default 'open', "reason" text not null, "operation_id" text null, "resolution" jsonb null, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_orphan_payment_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_orphan_payment_deleted_at" ON "paymentoptions_orphan_payment" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_orphan_payment_transaction_id_unique" ON "paymentoptions_orphan_payment" ("transaction_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_orphan_payment_status" ON "paymentoptions_orphan_payment" ("status") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "paymentoptions_return_refund" ("id" text not null, "return_id" text not null, "order_id" text not null, "status" text check ("status" in ('in_progress', 'waiting', 'succeeded', 'partial', 'failed', 'nothing_owed')) not null default 'in_progress', "currency_code" text null, "owed" text null, "refunds" jsonb null, "not_refunded" jsonb null, "error" text null, "finished_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_return_refund_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_return_refund_deleted_at" ON "paymentoptions_return_refund" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_return_refund_return_id_unique" ON "paymentoptions_return_refund" ("return_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_return_refund_order_id" ON "paymentoptions_return_refund" ("order_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_return_refund_status" ON "paymentoptions_return_refund" ("status") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "paymentoptions_saved_card" ("id" text not null, "provider_id" text not null, "account_holder_id" text not null, "customer_id" text null, "token" text not null, "scheme" text null, "last4" text null, "exp_month" text null, "exp_year" text null, "operation_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_saved_card_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_saved_card_deleted_at" ON "paymentoptions_saved_card" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_saved_card_account_holder_id" ON "paymentoptions_saved_card" ("account_holder_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_saved_card_account_holder_id_token_unique" ON "paymentoptions_saved_card" ("account_holder_id", "token") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "paymentoptions_webhook_transaction" ("id" text not null, "transaction_id" text not null, "session_id" text not null, "provider_id" text null, "type" text not null, "outcome" text check ("outcome" in ('succeeded', 'declined', 'pending')) not null, "amount" numeric null, "currency_code" text null, "deliveries" integer not null default 1, "raw_amount" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_webhook_transaction_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_webhook_transaction_deleted_at" ON "paymentoptions_webhook_transaction" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_webhook_transaction_transaction_id_unique" ON "paymentoptions_webhook_transaction" ("transaction_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_webhook_transaction_session_id" ON "paymentoptions_webhook_transaction" ("session_id") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "paymentoptions_operation" cascade;`);

    this.addSql(`drop table if exists "paymentoptions_orphan_payment" cascade;`);

    this.addSql(`drop table if exists "paymentoptions_return_refund" cascade;`);

    this.addSql(`drop table if exists "paymentoptions_saved_card" cascade;`);

    this.addSql(`drop table if exists "paymentoptions_webhook_transaction" cascade;`);
  }

}
