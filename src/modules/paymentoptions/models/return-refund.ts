import { model } from "@medusajs/framework/utils"

/**
 * The claim of the automatic refund of one received return: created once per return (unique), before any money
 * moves, so a second delivery of the event, a second process or a retry finds it and does nothing.
 */
export const ReturnRefund = model
  .define("paymentoptions_return_refund", {
    id: model.id({ prefix: "poret" }).primaryKey(),
    return_id: model.text(),
    order_id: model.text(),
    status: model.enum(["in_progress", "waiting", "succeeded", "partial", "failed", "nothing_owed"]).default("in_progress"),
    currency_code: model.text().nullable(),
    /** What the order owed the customer right before the last refund (decimal string). */
    owed: model.text().nullable(),
    /** [{ payment_id, refund_id, amount, status, error? }] */
    refunds: model.json().nullable(),
    /** { amount, payments: [{ payment_id, reason, refundable }] } */
    not_refunded: model.json().nullable(),
    error: model.text().nullable(),
    finished_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ["return_id"], unique: true }, { on: ["order_id"] }, { on: ["status"] }])
