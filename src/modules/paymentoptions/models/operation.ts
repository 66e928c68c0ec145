import { model } from "@medusajs/framework/utils"

/**
 * The operation log: every money call to the gateway, written BEFORE it is sent and updated with the answer.
 * `key` names the intent (one row per intent, ever); the partial unique indexes make PostgreSQL refuse a second
 * unsettled refund on one captured transaction and a second unsettled card payment on one session, whatever
 * process asks. Holds gateway ids the storefront must never see (PRE_AUTH ids, issued card tokens).
 */
export const Operation = model
  .define("paymentoptions_operation", {
    id: model.id({ prefix: "poop" }).primaryKey(),
    /** `refund:<medusa refund id>`, `capture:<authorization>`, `void:<authorization>`, `sale:<session>:<n>`, … */
    key: model.text(),
    kind: model.enum(["sale", "pre_auth", "capture", "void", "refund"]),
    /** `sending` until the gateway answered; `pending`/`unknown` until settled; then `succeeded` or `declined`. */
    status: model.enum(["sending", "pending", "unknown", "succeeded", "declined"]).default("sending"),
    provider_id: model.text().nullable(),
    /** The Medusa payment session (the gateway's merchant_txn_ref). */
    session_id: model.text(),
    /** The Medusa record this call serves: the refund or capture id (Medusa's idempotency key). */
    medusa_id: model.text().nullable(),
    /** The transaction acted on: the PRE_AUTH for capture/void, the captured transaction for refunds. */
    parent_transaction_id: model.text().nullable(),
    /** This call's own gateway transaction, once known. */
    transaction_id: model.text().nullable(),
    transaction_ref: model.text().nullable(),
    amount: model.bigNumber(),
    /** What Medusa asked for, exactly (a refund of ¥999.6 is sent as ¥1000): the books Medusa keeps. */
    requested_amount: model.text().nullable(),
    currency_code: model.text(),
    code: model.text().nullable(),
    message: model.text().nullable(),
    response_code: model.number().nullable(),
    /** The shopper's IP for card payments (attempt caps). */
    client_ip: model.text().nullable(),
    /** A card token the gateway issued with this payment (secret: never leaves this table but to the gateway). */
    issued_token: model.text().nullable(),
    /** The account holder that asked for the card to be saved (checkout opt-in). */
    account_holder_id: model.text().nullable(),
    card: model.json().nullable(),
    settled_at: model.dateTime().nullable(),
    /** An operator's decision on an outcome the gateway could not tell: { by, note, at, status }. */
    resolution: model.json().nullable(),
  })
  .indexes([
    { on: ["key"], unique: true },
    { on: ["session_id"] },
    { on: ["transaction_id"] },
    { on: ["parent_transaction_id"] },
    { on: ["medusa_id"] },
    {
      name: "IDX_paymentoptions_operation_one_open_refund",
      on: ["parent_transaction_id"],
      unique: true,
      where: "kind = 'refund' AND status IN ('sending', 'pending', 'unknown')",
    },
    {
      name: "IDX_paymentoptions_operation_one_open_card_payment",
      on: ["session_id"],
      unique: true,
      where: "kind IN ('sale', 'pre_auth') AND status IN ('sending', 'pending', 'unknown')",
    },
  ])
