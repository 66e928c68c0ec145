import { model } from "@medusajs/framework/utils"

/** Every transaction a webhook named and Transaction Status confirmed, kept per session (none is replaced). */
export const WebhookTransaction = model
  .define("paymentoptions_webhook_transaction", {
    id: model.id({ prefix: "powh" }).primaryKey(),
    transaction_id: model.text(),
    session_id: model.text(),
    provider_id: model.text().nullable(),
    /** PRE_AUTH, CAPTURE, REFUND, VOID as the gateway names it. */
    type: model.text(),
    outcome: model.enum(["succeeded", "declined", "pending"]),
    amount: model.bigNumber().nullable(),
    currency_code: model.text().nullable(),
    deliveries: model.number().default(1),
  })
  .indexes([{ on: ["transaction_id"], unique: true }, { on: ["session_id"] }])
