import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { PAYMENTOPTIONS_MODULE } from "../../modules/paymentoptions"
import { registeredProviderIds } from "../../modules/paymentoptions/directory"
import type PaymentOptionsModuleService from "../../modules/paymentoptions/service"
import { UNSETTLED } from "../../modules/paymentoptions/types"
import { isPaymentOptionsProvider } from "../../providers/paymentoptions/context"
import { normalizeAmount } from "../../providers/paymentoptions/money"
import { readPaymentData, RefundRecord, refundRecordOf } from "../../providers/paymentoptions/payment-data"
import { cancelShortfalls } from "./cancel-shortfall"
import { LOCK_TTL_SECONDS } from "./locks"
import { orderPaymentOfSession } from "./session-payment"

/**
 * Every kind of disagreement between Medusa's books and the gateway the plugin can see, each with what fixes it.
 * Read-only: the fixes are the plugin's workflows (settle, resolve, refund an orphan, refund a cancel shortfall).
 */

const DAY = 24 * 3600 * 1000
/** A claim in progress for longer than a workflow may hold its locks is not running any more (a crash). */
const STUCK_AFTER_MS = LOCK_TTL_SECONDS * 1000

export interface ReconciliationItem {
  kind:
    | "refund_unknown"
    | "refund_unrecorded"
    | "refund_failed_booked"
    | "payment_unknown"
    | "return_refund_stuck"
    | "cancel_shortfall"
    | "orphan_payment"
  payment_id?: string | null
  order_id?: string | null
  refund_id?: string | null
  amount?: string | null
  currency_code?: string | null
  transaction_id?: string | null
  since?: string | null
  detail: string
  /** What fixes it (an admin route of the plugin, or what to do by hand). */
  action: string
}

function iso(v: unknown): string | null {
  if (!v) return null
  return v instanceof Date ? v.toISOString() : String(v)
}

async function paymentsBySession(container: MedusaContainer, sessionIds: string[]) {
  if (!sessionIds.length) return new Map<string, any>()
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "payment",
    fields: ["id", "payment_session_id", "currency_code", "payment_collection.order.id"],
    filters: { payment_session_id: sessionIds },
  })
  return new Map<string, any>(data.map((p: any) => [p.payment_session_id, p]))
}

export async function reconciliationReport(container: MedusaContainer, opts: { days?: number; limit?: number } = {}): Promise<ReconciliationItem[]> {
  const days = opts.days ?? 90
  const limit = opts.limit ?? 200
  const since = new Date(Date.now() - days * DAY)
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const items: ReconciliationItem[] = []

  // 1. Money calls whose outcome the gateway has not told (a lost answer, a crash between the call and the answer).
  const open = (await module.listOperations({ status: [...UNSETTLED] } as any, { order: { created_at: "ASC" }, take: limit })).map((row: any) => ({
    ...row,
    amount: String(row.raw_amount?.value ?? row.amount),
  }))
  const sessions = await paymentsBySession(container, [...new Set(open.map((op: any) => op.session_id as string))])
  for (const op of open) {
    const payment = sessions.get(op.session_id)
    const common = {
      payment_id: payment?.id ?? null,
      order_id: payment?.payment_collection?.order?.id ?? null,
      amount: op.amount,
      currency_code: op.currency_code,
      transaction_id: op.transaction_id,
      since: iso(op.created_at),
    }
    if (op.kind === "refund") {
      items.push({
        kind: "refund_unknown",
        ...common,
        refund_id: op.medusa_id,
        detail: `Refund ${op.medusa_id} (${op.amount} ${String(op.currency_code).toUpperCase()}) has an unknown outcome at the gateway (${op.status}).`,
        action: op.transaction_id
          ? `POST /admin/paymentoptions/payments/${payment?.id ?? "<payment>"}/settle (Check now); the gateway knows transaction ${op.transaction_id}.`
          : `Find it in the PaymentOptions portal (notes "Medusa refund ${op.medusa_id}"), then POST /admin/paymentoptions/payments/${payment?.id ?? "<payment>"}/refunds/${op.medusa_id}/resolve.`,
      })
    } else {
      items.push({
        kind: "payment_unknown",
        ...common,
        detail: `A ${op.kind.replace("_", "-")} of payment session ${op.session_id} (${op.amount} ${String(op.currency_code).toUpperCase()}) has an unknown outcome at the gateway (${op.status}); it was not sent again.`,
        action: op.transaction_id
          ? "It settles from Transaction Status on the next attempt (complete the cart, or press Capture again)."
          : `It settles when the gateway's webhook names it; else look it up in the PaymentOptions portal (merchant_txn_ref ${op.session_id}).`,
      })
    }
  }

  // 2. Medusa refund rows the ledger does not have (a crash after Medusa created the row, before its data was written).
  const providers = registeredProviderIds()
  if (providers.length) {
    const { data: payments } = await query.graph({
      entity: "payment",
      fields: [
        "id",
        "provider_id",
        "currency_code",
        "data",
        "created_at",
        "refunds.id",
        "refunds.raw_amount",
        "refunds.created_at",
        "payment_collection.order.id",
      ],
      filters: { provider_id: providers, created_at: { $gte: since } },
      pagination: { take: 1000, order: { created_at: "DESC" } } as any,
    })
    for (const p of payments as any[]) {
      if (!isPaymentOptionsProvider(p.provider_id)) continue
      let data
      try {
        data = readPaymentData(p.data)
      } catch {
        continue
      }
      const ledger = (data.refunds ?? {}) as Record<string, RefundRecord>
      const order = p.payment_collection?.order
      for (const r of p.refunds ?? []) {
        const currency = data.currency_code ?? p.currency_code
        const amount = normalizeAmount(r.raw_amount as any, currency)
        const common = { payment_id: p.id, order_id: order?.id ?? null, refund_id: r.id, amount, currency_code: currency, since: iso(r.created_at) }
        const record = ledger[r.id]
        if (record?.status === "failed" && !record.resolution?.paid_back) {
          // Its outcome was unknown when Medusa booked it; the gateway's final answer came later: not refunded.
          items.push({
            kind: "refund_failed_booked",
            ...common,
            transaction_id: record.transaction_id ?? null,
            detail: `Medusa counts refund ${r.id} (${amount} ${currency.toUpperCase()}) as refunded, but the gateway's final answer is that it was not made: the customer has not received it.`,
            action:
              "Pay it back in the PaymentOptions portal (a refund against the payment's transaction), then record that with " +
              `POST /admin/paymentoptions/payments/${p.id}/refunds/${r.id}/paid-back { note } (it is then no longer listed); ` +
              "do not press Refund in Medusa for it (Medusa already counts it).",
          })
          continue
        }
        if (record) continue
        const op = await module.findOperation(`refund:${r.id}`)
        if (op && UNSETTLED.includes(op.status)) continue // listed above
        items.push({
          kind: "refund_unrecorded",
          ...common,
          transaction_id: op?.transaction_id ?? null,
          detail: op
            ? `Medusa refund ${r.id} is ${refundRecordOf(op).status} at the gateway but missing from the payment's ledger.`
            : `Medusa refund ${r.id} has no record that the gateway was asked (the process stopped between Medusa's refund row and the gateway call).`,
          action: op
            ? `POST /admin/paymentoptions/payments/${p.id}/settle writes it.`
            : `Check the PaymentOptions portal for notes "Medusa refund ${r.id}", then POST /admin/paymentoptions/payments/${p.id}/refunds/${r.id}/resolve with what it shows.`,
        })
      }
    }
  }

  // 3. Return refunds that did not finish.
  const claims = await module.listReturnRefunds({ status: ["in_progress", "waiting", "failed", "partial"] } as any, { order: { created_at: "ASC" }, take: limit })
  for (const c of claims as any[]) {
    if (c.status === "in_progress" && Date.now() - new Date(c.updated_at ?? c.created_at).getTime() < STUCK_AFTER_MS) continue
    items.push({
      kind: "return_refund_stuck",
      order_id: c.order_id,
      amount: c.not_refunded?.amount ?? c.owed ?? null,
      currency_code: c.currency_code,
      since: iso(c.created_at),
      detail: `The automatic refund of return ${c.return_id} is ${c.status}${c.error ? `: ${c.error}` : ""}.`,
      action:
        c.status === "waiting"
          ? "The settle job retries it once the earlier refund is settled (or Check now on the payment)."
          : c.status === "in_progress"
            ? "It stopped mid-way (a crash): first settle or resolve the order's refunds listed here, then refund what the order still owes from the order page (the Refund button)."
            : "Refund what the order still owes from the order page (the Refund button).",
    })
  }

  // 4. Canceled orders whose cancel booked refunds the gateway did not make.
  for (const gap of await cancelShortfalls(container, { canceled_at: { $gte: since } }, limit)) {
    items.push({
      kind: "cancel_shortfall",
      order_id: gap.order_id,
      amount: gap.shortfall,
      currency_code: gap.currency_code,
      detail: `Order ${gap.order_id}'s cancel booked ${gap.booked} as refunded, but refunds of only ${gap.refunded} exist.`,
      action: `POST /admin/paymentoptions/orders/${gap.order_id}/refund-cancel-shortfall refunds the difference.`,
    })
  }

  // 5. Money for sessions that lead to no order.
  const orphans = await module.listOrphanPayments({ status: ["open", "refunding", "unknown"] } as any, { order: { created_at: "ASC" }, take: limit })
  for (const o of orphans.map((row: any) => module.toOrphan(row))) {
    if (o.session_id && (await orderPaymentOfSession(container, o.session_id))) continue // an order's money after all
    items.push({
      kind: "orphan_payment",
      amount: o.amount,
      currency_code: o.currency_code,
      transaction_id: o.transaction_id,
      since: iso(o.created_at),
      detail: `${o.amount} ${o.currency_code.toUpperCase()} (${o.kind === "pre_auth" ? "a hold" : "a sale"}) for payment session ${o.session_id}: ${o.reason}.`,
      action: `POST /admin/paymentoptions/orphan-payments/${o.id}/refund`,
    })
  }
  return items
}
