import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN } from "@medusajs/framework/utils"
import { isPaymentOptionsProvider } from "../../providers/paymentoptions/context"

export interface CancelShortfall {
  order_id: string
  currency_code: string
  /** What the order's cancel booked as refunded (its refund transactions). */
  booked: string
  /** What Medusa's refund rows (the money the provider refunded, or is settling) add up to. */
  refunded: string
  shortfall: string
  payments: { payment_id: string; refundable: string }[]
}

const ORDER_FIELDS = [
  "id",
  "status",
  "currency_code",
  "canceled_at",
  "transactions.amount",
  "transactions.raw_amount",
  "transactions.reference",
  "payment_collections.payments.id",
  "payment_collections.payments.provider_id",
  "payment_collections.payments.created_at",
  "payment_collections.payments.captures.raw_amount",
  "payment_collections.payments.refunds.raw_amount",
]

/**
 * Medusa's order cancel books the refund of every captured payment as an order transaction even when the provider
 * refused it (refundPaymentsStep swallows the error): the order then says refunded while the gateway did not refund.
 * This is the gap for one canceled order with PaymentOptions payments, or null when there is none.
 */
export function shortfallOf(order: any): CancelShortfall | null {
  if (order?.status !== "canceled") return null
  const payments = (order.payment_collections ?? []).flatMap((pc: any) => pc?.payments ?? []).filter(Boolean)
  if (!payments.some((p: any) => isPaymentOptionsProvider(p.provider_id))) return null
  const booked = MathBN.mult(
    MathBN.sum(0, ...(order.transactions ?? []).filter((t: any) => t.reference === "refund").map((t: any) => t.raw_amount ?? t.amount)),
    -1
  )
  const refunded = MathBN.sum(0, ...payments.flatMap((p: any) => (p.refunds ?? []).map((r: any) => r.raw_amount)))
  const shortfall = MathBN.sub(booked, refunded)
  if (!MathBN.gt(shortfall, 0)) return null
  return {
    order_id: order.id,
    currency_code: order.currency_code,
    booked: booked.toFixed(),
    refunded: refunded.toFixed(),
    shortfall: shortfall.toFixed(),
    payments: payments
      .filter((p: any) => isPaymentOptionsProvider(p.provider_id))
      .sort((a: any, b: any) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime())
      .map((p: any) => ({
        payment_id: p.id,
        refundable: MathBN.sub(
          MathBN.sum(0, ...(p.captures ?? []).map((c: any) => c.raw_amount)),
          MathBN.sum(0, ...(p.refunds ?? []).map((r: any) => r.raw_amount))
        ).toFixed(),
      })),
  }
}

export async function cancelShortfalls(container: MedusaContainer, filters: Record<string, unknown>, take = 100): Promise<CancelShortfall[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "order", fields: ORDER_FIELDS, filters: { status: "canceled", ...filters }, pagination: { take, order: { canceled_at: "DESC" } } as any })
  return data.map(shortfallOf).filter((s): s is CancelShortfall => !!s)
}
