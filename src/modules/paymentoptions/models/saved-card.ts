import { model } from "@medusajs/framework/utils"

/** A card a customer saved: the gateway token (secret) and what may be shown of the card. */
export const SavedCard = model
  .define("paymentoptions_saved_card", {
    id: model.id({ prefix: "pocard" }).primaryKey(),
    provider_id: model.text(),
    /** The Medusa payment account holder (one per customer and provider). */
    account_holder_id: model.text(),
    customer_id: model.text().nullable(),
    token: model.text(),
    scheme: model.text().nullable(),
    last4: model.text().nullable(),
    exp_month: model.text().nullable(),
    exp_year: model.text().nullable(),
    /** The operation whose answer issued the token. */
    operation_id: model.text().nullable(),
  })
  .indexes([
    { on: ["account_holder_id"] },
    { on: ["account_holder_id", "token"], unique: true },
  ])
