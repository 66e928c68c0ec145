/**
 * The automatic refund of a received return (provider option `autoRefundOnReturn`), run by the subscriber on
 * `order.return_received`.
 *
 * Exactly once per return:
 * 1. nothing happens until every item of the return has been received (partial receipts wait);
 * 2. under the locking module's lock `paymentoptions:return:<id>`, a marker `metadata.paymentoptions_refund`
 *    with status `in_progress` is written onto the return by a single conditional UPDATE that only succeeds when
 *    there is no marker yet; it is durable and written **before** any money moves. A second delivery, a second
 *    server instance (even with the in-memory locking provider) or a retry finds the marker and does nothing;
 * 3. the refunds go through Medusa's own refundPaymentWorkflow (refund row, order transaction, credit lines and
 *    `payment.refunded`, exactly like the Refund button); the marker ends `succeeded`, `partial`, `failed` or
 *    `nothing_owed`. A failure is logged with the return and order ids and is never retried by itself.
 */
import { ConfigModule, IPaymentModuleService, Logger, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN, Modules } from "@medusajs/framework/utils"
import { refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import { pendingRefundIds } from "../providers/paymentoptions/payment-data"
import { maybeGatewayFromConfig, paymentOptionsProviderIds } from "./gateway-from-config"
import { settlePaymentRefunds } from "./reconciliation"
import { amountOwed, returnFullyReceived, spreadRefund, SpreadPayment } from "./refund-spread"

export const RETURN_MARKER_KEY = "paymentoptions_refund"
export const returnLockKey = (returnId: string) => `paymentoptions:return:${returnId}`

export type ReturnRefundStatus = "in_progress" | "succeeded" | "partial" | "failed" | "nothing_owed"

export interface ReturnRefundEntry {
  payment_id: string
  /** The Medusa refund id; null when the refund failed (Medusa then keeps no refund row). */
  refund_id: string | null
  amount: string
  /** The gateway outcome as recorded on the payment (`pending` = unknown outcome, settled by reconciliation). */
  status: "succeeded" | "pending" | "failed" | "unknown"
  error?: string
}

export interface ReturnRefundMarker {
  status: ReturnRefundStatus
  order_id: string
  currency_code?: string
  /** What the order owed the customer once the return was received (minus its pending difference). */
  owed?: string
  /** How `owed` was spread over the order's payments, oldest first. */
  planned?: { payment_id: string; amount: string }[]
  refunds: ReturnRefundEntry[]
  /** The part of `owed` that was not refunded automatically, and why (other providers, no balance left, …). */
  not_refunded?: { amount: string; payments: { payment_id: string; reason: string; refundable: string }[] }
  error?: string
  started_at: string
  at: string
}

type PgConnection = { raw: (sql: string, bindings?: unknown[]) => Promise<{ rows: any[] }> }

/** The PaymentOptions provider ids whose options turn the automatic refund on. */
export function autoRefundProviderIds(configModule: ConfigModule): string[] {
  return paymentOptionsProviderIds(configModule).filter((id) => maybeGatewayFromConfig(configModule, id)?.options.autoRefundOnReturn === true)
}

/**
 * Writes the marker onto `return.metadata` (other metadata keys are kept). With `onlyIfAbsent` it is a
 * compare-and-set: true only for the one caller that wrote the first marker.
 */
async function writeMarker(pg: PgConnection, returnId: string, marker: ReturnRefundMarker, onlyIfAbsent = false): Promise<boolean> {
  const { rows } = await pg.raw(
    `UPDATE "return"
        SET metadata = (CASE WHEN jsonb_typeof(metadata) = 'object' THEN metadata ELSE '{}'::jsonb END)
                       || jsonb_build_object('${RETURN_MARKER_KEY}', ?::jsonb),
            updated_at = now()
      WHERE id = ? AND deleted_at IS NULL
        ${onlyIfAbsent ? `AND (metadata IS NULL OR metadata->'${RETURN_MARKER_KEY}' IS NULL)` : ""}
      RETURNING id`,
    [JSON.stringify(marker), returnId]
  )
  return rows.length > 0
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\.+$/, "")
  // Workflow runs can reject with a serialized error ({ message, name, … }) rather than an Error.
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === "string" ? message.replace(/\.+$/, "") : JSON.stringify(error)
}

/**
 * Refunds a received return once, if the option is on. Returns the marker it wrote, or null when it did
 * nothing (option off, return unknown or canceled, not completely received, already handled).
 */
export async function refundReceivedReturn(container: MedusaContainer, returnId: string): Promise<ReturnRefundMarker | null> {
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
  const configModule = container.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE)
  const enabled = autoRefundProviderIds(configModule)
  if (!enabled.length) return null

  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const pg = container.resolve<PgConnection>(ContainerRegistrationKeys.PG_CONNECTION)
  const {
    data: [ret],
  } = await query.graph({
    entity: "return",
    fields: ["id", "order_id", "status", "canceled_at", "metadata", "items.item_id", "items.quantity"],
    filters: { id: returnId },
  })
  if (!ret) {
    logger.warn(`PaymentOptions automatic refund: return ${returnId} not found.`)
    return null
  }
  const tag = `return ${ret.id} (order ${ret.order_id})`
  if (ret.metadata?.[RETURN_MARKER_KEY]) {
    logger.info(`PaymentOptions automatic refund for ${tag} was already handled (${ret.metadata[RETURN_MARKER_KEY].status}); nothing to do.`)
    return null
  }
  if (ret.canceled_at || ret.status === "canceled") return null

  const { data: changes } = await query.graph({
    entity: "order_change",
    fields: ["id", "status", "actions.action", "actions.details"],
    filters: { return_id: ret.id, status: "confirmed" },
  })
  const actions = (changes ?? []).flatMap((c: any) => c.actions ?? [])
  if (!returnFullyReceived((ret.items ?? []) as any[], actions)) {
    logger.info(`PaymentOptions automatic refund for ${tag} waits until every item of the return is received.`)
    return null
  }

  const startedAt = new Date().toISOString()
  const marker: ReturnRefundMarker = { status: "in_progress", order_id: ret.order_id, refunds: [], started_at: startedAt, at: startedAt }
  const locking = container.resolve(Modules.LOCKING)
  let claimed = false
  try {
    claimed = await locking.execute(returnLockKey(ret.id), () => writeMarker(pg, ret.id, marker, true), { timeout: 30 })
  } catch (error) {
    logger.warn(`PaymentOptions automatic refund for ${tag}: could not take its lock (${errorMessage(error)}); another delivery is handling it.`)
    return null
  }
  if (!claimed) {
    logger.info(`PaymentOptions automatic refund for ${tag} is already being handled; nothing to do.`)
    return null
  }

  const save = async (patch: Partial<ReturnRefundMarker>) => {
    Object.assign(marker, patch, { at: new Date().toISOString() })
    await writeMarker(pg, ret.id, marker)
  }

  try {
    await refundOwed(container, ret.order_id, ret.id, enabled, marker, save, logger, tag)
  } catch (error) {
    const message = errorMessage(error)
    logger.error(`PaymentOptions automatic refund for ${tag} failed: ${message}. Nothing more is refunded for this return; refund the rest from the order page.`)
    await save({ status: "failed", error: message }).catch((e) =>
      logger.error(`PaymentOptions automatic refund for ${tag}: could not record the failure on the return (${errorMessage(e)}).`)
    )
  }
  return marker
}

async function refundOwed(
  container: MedusaContainer,
  orderId: string,
  returnId: string,
  enabled: string[],
  marker: ReturnRefundMarker,
  save: (patch: Partial<ReturnRefundMarker>) => Promise<void>,
  logger: Logger,
  tag: string
): Promise<void> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const loadOrder = async () => {
    const {
      data: [order],
    } = await query.graph({
      entity: "order",
      fields: [
        "id",
        "currency_code",
        "summary",
        "payment_collections.payments.id",
        "payment_collections.payments.provider_id",
        "payment_collections.payments.created_at",
        "payment_collections.payments.canceled_at",
        "payment_collections.payments.data",
        "payment_collections.payments.captures.raw_amount",
        "payment_collections.payments.refunds.id",
        "payment_collections.payments.refunds.raw_amount",
      ],
      filters: { id: orderId },
    })
    if (!order) throw new Error(`order ${orderId} not found`)
    return order
  }

  let order = await loadOrder()
  const currencyCode = String(order.currency_code).toLowerCase()
  const owed = amountOwed(order.summary?.raw_pending_difference ?? order.summary?.pending_difference)
  if (!MathBN.gt(owed, 0)) {
    await save({ status: "nothing_owed", currency_code: currencyCode, owed })
    logger.info(`PaymentOptions automatic refund for ${tag}: the order owes the customer nothing; no refund.`)
    return
  }

  const payments = () => (order.payment_collections ?? []).flatMap((pc: any) => pc?.payments ?? []).filter(Boolean)
  const isOurs = (p: { provider_id: string }) => enabled.includes(p.provider_id)

  // A payment with an unsettled refund refuses further refunds: ask the gateway first (never resends).
  const unsettled = payments().filter((p: any) => isOurs(p) && pendingRefundIds(p.data?.refunds ?? {}).length)
  for (const p of unsettled) {
    await settlePaymentRefunds(container, p.id).catch((e) =>
      logger.warn(`PaymentOptions automatic refund for ${tag}: could not settle pending refunds of payment ${p.id} (${errorMessage(e)}).`)
    )
  }
  if (unsettled.length) order = await loadOrder()

  const spreadInput: SpreadPayment[] = payments().map((p: any) => {
    const stillPending = pendingRefundIds(p.data?.refunds ?? {})
    return {
      id: p.id,
      provider_id: p.provider_id,
      created_at: p.created_at,
      canceled: !!p.canceled_at,
      captured: MathBN.sum(0, ...(p.captures ?? []).map((c: any) => c.raw_amount)),
      refunded: MathBN.sum(0, ...(p.refunds ?? []).map((r: any) => r.raw_amount)),
      blocked: stillPending.length ? `refund ${stillPending.join(", ")} still has an unknown outcome` : null,
    }
  })
  const plan = spreadRefund(owed, spreadInput, currencyCode, isOurs)
  const notRefunded = MathBN.gt(plan.left, 0) ? { amount: plan.left, payments: plan.skipped } : undefined
  await save({ currency_code: currencyCode, owed, planned: plan.allocations, not_refunded: notRefunded })

  for (const allocation of plan.allocations) {
    const known = payments().find((p: any) => p.id === allocation.payment_id)
    const before = new Set<string>((known?.refunds ?? []).map((r: any) => r.id))
    try {
      await refundPaymentWorkflow(container).run({
        input: { payment_id: allocation.payment_id, amount: allocation.amount, note: `Automatic refund for return ${returnId}` },
      })
    } catch (error) {
      const message = errorMessage(error)
      marker.refunds.push({ payment_id: allocation.payment_id, refund_id: null, amount: allocation.amount, status: "failed", error: message })
      logger.error(
        `PaymentOptions automatic refund for ${tag} failed on payment ${allocation.payment_id} (${allocation.amount} ${currencyCode.toUpperCase()}): ${message}. ` +
          "Nothing more is refunded automatically for this return; refund what is owed from the order page."
      )
      await save({ status: "failed", error: message })
      return
    }
    const after = await paymentModule.retrievePayment(allocation.payment_id, { select: ["id", "data"], relations: ["refunds"] })
    const created = (after.refunds ?? []).filter((r) => !before.has(r.id))
    const refundId = created.length ? created[created.length - 1].id : null
    const stored = refundId ? ((after.data as any)?.refunds?.[refundId]?.status as ReturnRefundEntry["status"] | undefined) : undefined
    marker.refunds.push({ payment_id: allocation.payment_id, refund_id: refundId, amount: allocation.amount, status: stored ?? "unknown" })
    await save({})
  }

  if (notRefunded) {
    logger.warn(
      `PaymentOptions automatic refund for ${tag}: ${notRefunded.amount} ${currencyCode.toUpperCase()} of ${owed} owed was not refunded automatically ` +
        `(${plan.skipped.map((s) => `${s.payment_id}: ${s.reason}`).join("; ") || "no refundable PaymentOptions payment"}); refund it from the order page.`
    )
    await save({ status: "partial" })
  } else {
    logger.info(
      `PaymentOptions automatic refund for ${tag}: refunded ${owed} ${currencyCode.toUpperCase()} (${marker.refunds.map((r) => `${r.refund_id} on ${r.payment_id}: ${r.amount}, ${r.status}`).join("; ")}).`
    )
    await save({ status: "succeeded" })
  }
}
