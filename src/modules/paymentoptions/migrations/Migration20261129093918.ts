import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261129093918 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "paymentoptions_session_context" drop constraint if exists "paymentoptions_session_context_session_id_unique";`);
    this.addSql(`create table if not exists "paymentoptions_session_context" ("id" text not null, "session_id" text not null, "client_ip" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "paymentoptions_session_context_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_paymentoptions_session_context_deleted_at" ON "paymentoptions_session_context" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_paymentoptions_session_context_session_id_unique" ON "paymentoptions_session_context" ("session_id") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "paymentoptions_session_context" cascade;`);
  }

}
