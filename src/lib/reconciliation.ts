/**
 * Reconciliation of refunds whose outcome the gateway did not tell us (README → Refund semantics, 6):
 * list them, settle them from Transaction Status, or let an operator resolve them. Used by the admin routes
 * under /admin/paymentoptions and by the scheduled job. Every change to a payment's `data` happens under the
 * locking module's lock `paymentoptions:payment:<id>`, re-reading the payment inside it.
 */
import { ConfigModule, IPaymentModuleService, Logger, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { pendingRefundIds, readPaymentData, RefundRecord, refundedTotal } from "../providers/paymentoptions/payment-data"
import { settlePendingRefunds } from "../providers/paymentoptions/refund-settlement"
import { gatewayFromConfig, PAYMENTOPTIONS_PROVIDER_PREFIX } from "./gateway-from-config"

/** Seconds to wait for a lock held by another request, job run or server instance. */
export const LOCK_TIMEOUT_SECONDS = 60

export const paymentLockKey = (paymentId: string) => `paymentoptions:payment:${paymentId}`

export interface RefundResolution {
  /** The admin user (actor id) who resolved it. */
  by: string | null
  note: string
  at: string
}

export type StoredRefund = RefundRecord & { resolution?: RefundResolution }

export interface SettleResult {
  payment_id: string
  /** Refund ids whose status changed now. */
  changed: string[]
  /** Pending refunds the gateway cannot be asked about (no gateway transaction id): an operator resolves them. */
  needs_operator: string[]
  refunds: Record<string, StoredRefund>
  refunded_amount: string
}

type PgConnection = { raw: (sql: string, bindings?: unknown[]) => Promise<{ rows: any[] }> }

function lockExecute<T>(container: MedusaContainer, paymentId: string, job: () => Promise<T>): Promise<T> {
  const locking = container.resolve(Modules.LOCKING)
  return locking.execute(paymentLockKey(paymentId), job, { timeout: LOCK_TIMEOUT_SECONDS })
}

async function loadPaymentOptionsPayment(paymentModule: IPaymentModuleService, paymentId: string) {
  const payment = await paymentModule.retrievePayment(paymentId, { select: ["id", "provider_id", "currency_code", "data"] })
  if (!payment.provider_id?.startsWith(PAYMENTOPTIONS_PROVIDER_PREFIX)) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Payment ${paymentId} was made with ${payment.provider_id}, not PaymentOptions; there is nothing to reconcile here.`
    )
  }
  const data = readPaymentData(payment.data as Record<string, unknown>)
  const currencyCode = String(data.currency_code ?? payment.currency_code).toLowerCase()
  const refunds = { ...((data.refunds ?? {}) as Record<string, StoredRefund>) }
  return { payment, refunds, currencyCode }
}

function result(paymentId: string, changed: string[], refunds: Record<string, StoredRefund>, currencyCode: string): SettleResult {
  return {
    payment_id: paymentId,
    changed,
    needs_operator: pendingRefundIds(refunds).filter((id) => !refunds[id].transaction_id),
    refunds,
    refunded_amount: refundedTotal(refunds, currencyCode),
  }
}

/**
 * Asks Transaction Status about every pending refund of the payment that has a gateway transaction id and
 * saves what changed (the records and the recomputed `refunded_amount`) onto `payment.data`. Sends nothing
 * but status lookups: a refund is never sent again. `touch` also records `refunds_checked_at` when nothing
 * changed (the job uses it to take the least recently checked payments first).
 */
export async function settlePaymentRefunds(
  container: MedusaContainer,
  paymentId: string,
  opts: { touch?: boolean } = {}
): Promise<SettleResult> {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
  const configModule = container.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE)
  return lockExecute(container, paymentId, async () => {
    const { payment, refunds, currencyCode } = await loadPaymentOptionsPayment(paymentModule, paymentId)
    const gateway = gatewayFromConfig(configModule, payment.provider_id)
    const changed = await settlePendingRefunds(gateway.client, refunds, logger)
    const out = result(paymentId, changed, refunds, currencyCode)
    if (changed.length || opts.touch) {
      // Medusa deep-merges `data`: write the whole object with the changes.
      const data: Record<string, unknown> = { ...(payment.data ?? {}) }
      if (changed.length) Object.assign(data, { refunds, refunded_amount: out.refunded_amount })
      if (opts.touch) data.refunds_checked_at = new Date().toISOString()
      await paymentModule.updatePayment({ id: paymentId, data } as Parameters<IPaymentModuleService["updatePayment"]>[0])
    }
    for (const id of changed) {
      logger.info(`PaymentOptions refund ${id} on payment ${paymentId} settled from Transaction Status: ${refunds[id].status}.`)
    }
    return out
  })
}

/**
 * An operator's decision on a refund the gateway cannot settle (typically a timeout after the request was sent:
 * no gateway id). Only a refund that is still pending can be resolved.
 */
export async function resolvePendingRefund(
  container: MedusaContainer,
  input: { paymentId: string; refundId: string; status: "succeeded" | "failed"; note: string; by: string | null }
): Promise<SettleResult> {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
  return lockExecute(container, input.paymentId, async () => {
    const { payment, refunds, currencyCode } = await loadPaymentOptionsPayment(paymentModule, input.paymentId)
    const record = refunds[input.refundId]
    if (!record) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment ${input.paymentId} has no PaymentOptions refund ${input.refundId}.`)
    }
    if (record.status !== "pending") {
      throw new MedusaError(
        MedusaError.Types.CONFLICT,
        `Refund ${input.refundId} is already ${record.status}${record.settled_at ? ` (since ${record.settled_at})` : ""}; only a pending refund can be resolved.`
      )
    }
    const at = new Date().toISOString()
    refunds[input.refundId] = { ...record, status: input.status, settled_at: at, resolution: { by: input.by, note: input.note, at } }
    const out = result(input.paymentId, [input.refundId], refunds, currencyCode)
    await paymentModule.updatePayment({
      id: input.paymentId,
      data: { ...(payment.data ?? {}), refunds, refunded_amount: out.refunded_amount },
    } as Parameters<IPaymentModuleService["updatePayment"]>[0])
    const message =
      `PaymentOptions refund ${input.refundId} on payment ${input.paymentId} resolved by ${input.by ?? "an unknown actor"} as ${input.status}: ${input.note}`
    if (input.status === "failed") {
      logger.warn(`${message}. Medusa still lists its refund row and the order's refunded total counts it; correct the order if the money did not move.`)
    } else {
      logger.info(message)
    }
    return out
  })
}

// ------------------------------------------------------------------------------------------- queries

// jsonpath filters, passed as bindings (a literal "?" in a knex raw query would be read as a placeholder).
const PENDING_PATH = '$.refunds.* ? (@.status == "pending")'
const SETTLEABLE_PATH = '$.refunds.* ? (@.status == "pending" && @.transaction_id != null)'
const OURS = `p.deleted_at IS NULL AND starts_with(p.provider_id, '${PAYMENTOPTIONS_PROVIDER_PREFIX}')`

export interface PendingRefundsPage {
  payments: {
    payment_id: string
    order_id: string | null
    currency_code: string
    transaction_id: string | null
    pending: (StoredRefund & { refund_id: string })[]
  }[]
  count: number
  limit: number
  offset: number
}

/** PaymentOptions payments with at least one pending refund, oldest payment first. */
export async function listPendingRefunds(container: MedusaContainer, limit: number, offset: number): Promise<PendingRefundsPage> {
  const pg = container.resolve<PgConnection>(ContainerRegistrationKeys.PG_CONNECTION)
  const where = `${OURS} AND jsonb_path_exists(p.data, ?::jsonpath)`
  const [page, total] = await Promise.all([
    pg.raw(
      `SELECT p.id, p.currency_code, p.data, opc.order_id
         FROM payment p
         LEFT JOIN order_payment_collection opc
           ON opc.payment_collection_id = p.payment_collection_id AND opc.deleted_at IS NULL
        WHERE ${where}
        ORDER BY p.created_at ASC, p.id ASC
        LIMIT ? OFFSET ?`,
      [PENDING_PATH, limit, offset]
    ),
    pg.raw(`SELECT count(*)::int AS count FROM payment p WHERE ${where}`, [PENDING_PATH]),
  ])
  return {
    payments: page.rows.map((row) => {
      const data = (row.data ?? {}) as Record<string, any>
      const refunds = (data.refunds ?? {}) as Record<string, StoredRefund>
      return {
        payment_id: row.id,
        order_id: row.order_id ?? null,
        currency_code: String(data.currency_code ?? row.currency_code),
        transaction_id: typeof data.transaction_id === "string" ? data.transaction_id : null,
        pending: pendingRefundIds(refunds).map((id) => ({ refund_id: id, ...refunds[id] })),
      }
    }),
    count: total.rows[0]?.count ?? 0,
    limit,
    offset,
  }
}

/**
 * Up to `limit` PaymentOptions payments with a pending refund the gateway can be asked about (one with a
 * gateway transaction id), least recently checked first, so a few refunds that stay pending at the gateway
 * cannot starve the others.
 */
export async function paymentsToSettle(container: MedusaContainer, limit: number): Promise<string[]> {
  const pg = container.resolve<PgConnection>(ContainerRegistrationKeys.PG_CONNECTION)
  const { rows } = await pg.raw(
    `SELECT p.id FROM payment p
      WHERE ${OURS} AND jsonb_path_exists(p.data, ?::jsonpath)
      ORDER BY p.data->>'refunds_checked_at' ASC NULLS FIRST, p.created_at ASC, p.id ASC
      LIMIT ?`,
    [SETTLEABLE_PATH, limit]
  )
  return rows.map((r) => r.id as string)
}
