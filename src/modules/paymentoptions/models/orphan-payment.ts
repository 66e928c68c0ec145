import { model } from "@medusajs/framework/utils"

/**
 * Money the gateway took for a payment session that no longer leads to an order (a hosted-page link or 3-D Secure
 * sale paid after Medusa deleted its session, or a session deleted while its payment's outcome was unknown).
 * Listed for the operator with a one-click refund; refunded by itself with the `refundOrphanedPayments` option.
 */
export const OrphanPayment = model
  .define("paymentoptions_orphan_payment", {
    id: model.id({ prefix: "poorph" }).primaryKey(),
    transaction_id: model.text(),
    session_id: model.text(),
    provider_id: model.text().nullable(),
    /** What the gateway holds: a captured sale (`sale`) or a PRE_AUTH hold (`pre_auth`). */
    kind: model.enum(["sale", "pre_auth"]),
    amount: model.bigNumber(),
    currency_code: model.text(),
    status: model.enum(["open", "refunding", "refunded", "released", "unknown", "dismissed"]).default("open"),
    reason: model.text(),
    /** The operation that refunded or released it. */
    operation_id: model.text().nullable(),
    resolution: model.json().nullable(),
  })
  .indexes([{ on: ["transaction_id"], unique: true }, { on: ["status"] }])
