import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN, MedusaError } from "@medusajs/framework/utils"
import { PAYMENTOPTIONS_MODULE } from "../../modules/paymentoptions"
import type PaymentOptionsModuleService from "../../modules/paymentoptions/service"
import { isPaymentOptionsProvider } from "../../providers/paymentoptions/context"
import { currencyDecimals, normalizeAmount } from "../../providers/paymentoptions/money"
import { readPaymentData, RefundRecord } from "../../providers/paymentoptions/payment-data"
import { shortfallOf } from "./cancel-shortfall"

/**
 * The decimals the server uses for each currency (Medusa's `defaultCurrencies`, as money.ts), keyed by lower-case
 * code: the admin widget formats every amount with exactly these. A currency Medusa does not know is left out (the
 * widget then shows the amount as stored, next to its code).
 */
export function currencyDecimalsOf(codes: Iterable<string | null | undefined>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const code of codes) {
    if (!code) continue
    const key = String(code).toLowerCase()
    try {
      out[key] = currencyDecimals(key)
    } catch {
      /* unknown currency: no decimals to give */
    }
  }
  return out
}

/**
 * What the order page's PaymentOptions panel shows: each PaymentOptions payment's refund ledger (with the refunded
 * total derived from its succeeded records), the return-refund claims of the order, and a cancel shortfall if any.
 */
export async function paymentOptionsOrderView(container: MedusaContainer, orderId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [order],
  } = await query.graph({
    entity: "order",
    fields: [
      "id",
      "status",
      "currency_code",
      "transactions.amount",
      "transactions.raw_amount",
      "transactions.reference",
      "payment_collections.payments.id",
      "payment_collections.payments.provider_id",
      "payment_collections.payments.currency_code",
      "payment_collections.payments.created_at",
      "payment_collections.payments.data",
      "payment_collections.payments.captures.raw_amount",
      "payment_collections.payments.refunds.id",
      "payment_collections.payments.refunds.raw_amount",
      "payment_collections.payments.refunds.created_at",
    ],
    filters: { id: orderId },
  })
  if (!order) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} not found.`)
  const payments = (order.payment_collections ?? [])
    .flatMap((pc: any) => pc?.payments ?? [])
    .filter((p: any) => p && isPaymentOptionsProvider(p.provider_id))
    .map((p: any) => {
      const data = readPaymentData(p.data)
      const currency = String(data.currency_code ?? p.currency_code).toLowerCase()
      const ledger = (data.refunds ?? {}) as Record<string, RefundRecord>
      const refunds = Object.entries(ledger)
        .map(([id, r]) => ({ id, ...r }))
        .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)))
      const succeeded = refunds.filter((r) => r.status === "succeeded").map((r) => r.amount)
      return {
        id: p.id,
        provider_id: p.provider_id,
        currency_code: currency,
        transaction_id: data.transaction_id ?? null,
        transaction_ref: data.transaction_ref ?? null,
        card: data.card ?? null,
        amount: data.amount ?? null,
        captured: MathBN.sum(0, ...(p.captures ?? []).map((c: any) => c.raw_amount)).toFixed(),
        refunded_amount: normalizeAmount(MathBN.sum(0, ...succeeded), currency),
        refunds,
        pending: refunds.filter((r) => r.status === "pending").map((r) => r.id),
        unrecorded: (p.refunds ?? []).map((r: any) => r.id as string).filter((id: string) => !ledger[id]),
      }
    })
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const claims = await module.listReturnRefunds({ order_id: orderId } as any, { order: { created_at: "ASC" } })
  return {
    order_id: order.id,
    payments,
    return_refunds: claims.map((c: any) => ({
      id: c.id,
      return_id: c.return_id,
      status: c.status,
      owed: c.owed,
      currency_code: c.currency_code,
      refunds: c.refunds ?? [],
      not_refunded: c.not_refunded ?? null,
      error: c.error ?? null,
      created_at: c.created_at,
      finished_at: c.finished_at ?? null,
    })),
    cancel_shortfall: shortfallOf(order),
    currency_decimals: currencyDecimalsOf([
      order.currency_code,
      ...payments.map((p: any) => p.currency_code),
      ...claims.map((c: any) => c.currency_code),
    ]),
  }
}
