import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261129121004 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "paymentoptions_operation" add column if not exists "requested_amount" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "paymentoptions_operation" drop column if exists "requested_amount";`);
  }

}
