import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { paymentsToSettle, settlePaymentRefunds } from "../lib/reconciliation"

/** At most this many payments are checked per run (each with one Transaction Status call per pending refund). */
export const SETTLE_BATCH = 50

/**
 * Every 5 minutes (env PAYMENTOPTIONS_SETTLE_CRON overrides the schedule): settles pending PaymentOptions refunds
 * that have a gateway transaction id from Transaction Status, least recently checked payment first, each under
 * the payment's lock (safe with several server instances). Never sends a refund. Logs one summary line.
 */
export default async function settlePendingRefundsJob(container: MedusaContainer) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const started = Date.now()
  const ids = await paymentsToSettle(container, SETTLE_BATCH)
  const settled: string[] = []
  let stillPending = 0
  let errors = 0
  for (const id of ids) {
    try {
      const result = await settlePaymentRefunds(container, id, { touch: true })
      settled.push(...result.changed.map((refundId) => `${refundId}:${result.refunds[refundId].status}`))
      stillPending += Object.values(result.refunds).filter((r) => r.status === "pending").length
    } catch (error) {
      errors++
      logger.warn(`PaymentOptions settle-pending-refunds: payment ${id}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  if (!ids.length) {
    logger.debug("PaymentOptions settle-pending-refunds: no pending refund to check.")
  } else {
    logger.info(
      `PaymentOptions settle-pending-refunds: checked ${ids.length} payment(s), settled ${settled.length} refund(s)` +
        `${settled.length ? ` (${settled.join(", ")})` : ""}, ${stillPending} still pending, ${errors} error(s), ${Date.now() - started} ms.`
    )
  }
  return { checked: ids, settled, still_pending: stillPending, errors }
}

/**
 * PAYMENTOPTIONS_SETTLE_CRON changes the schedule (keep runs less than 24 days apart: Medusa's in-memory workflow
 * engine puts the delay in one setTimeout, and a longer one overflows and fires at once, in a loop).
 * PAYMENTOPTIONS_SETTLE_JOB=off registers the job but never runs it (numberOfExecutions 0), e.g. on instances
 * that should leave it to another one, or in tests that run it by hand.
 */
export const config = {
  name: "paymentoptions-settle-pending-refunds",
  schedule: process.env.PAYMENTOPTIONS_SETTLE_CRON || "*/5 * * * *",
  ...(process.env.PAYMENTOPTIONS_SETTLE_JOB === "off" ? { numberOfExecutions: 0 } : {}),
}
