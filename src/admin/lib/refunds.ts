/**
 * The admin widget's view of a PaymentOptions payment, read from the stored `payment.data`
 * (README → "Stored payment data"). Pure functions, unit-tested in __tests__/admin-refunds.spec.ts.
 * Nothing here trusts the shape of `data`: a value of the wrong type is treated as missing.
 */

export const PAYMENTOPTIONS_PROVIDER_PREFIX = "pp_paymentoptions_"

export type RefundStatus = "succeeded" | "pending" | "failed" | "unknown"
export type BadgeColor = "green" | "orange" | "red" | "grey"

export interface RefundResolution {
  by: string | null
  note: string | null
  at: string | null
}

export interface RefundRow {
  /** The Medusa refund id (the key in `data.refunds`). */
  id: string
  ref: string | null
  transaction_id: string | null
  status: RefundStatus
  amount: string | null
  currency_code: string | null
  code: string | null
  message: string | null
  created_at: string | null
  settled_at: string | null
  resolution: RefundResolution | null
}

export interface PaymentView {
  id: string
  provider_id: string
  transaction_id: string | null
  transaction_ref: string | null
  authorization_id: string | null
  card: { scheme: string | null; last4: string | null; exp_month: string | null; exp_year: string | null } | null
  /** Captured amount, major units (decimal string as stored). */
  amount: string | null
  refunded_amount: string | null
  currency_code: string | null
  refunds: RefundRow[]
  pending: RefundRow[]
}

export function isPaymentOptionsPayment(providerId: unknown): boolean {
  return typeof providerId === "string" && providerId.startsWith(PAYMENTOPTIONS_PROVIDER_PREFIX)
}

export function refundStatus(value: unknown): RefundStatus {
  return value === "succeeded" || value === "pending" || value === "failed" ? value : "unknown"
}

export function refundBadgeColor(status: RefundStatus): BadgeColor {
  switch (status) {
    case "succeeded":
      return "green"
    case "pending":
      return "orange"
    case "failed":
      return "red"
    default:
      return "grey"
  }
}

const str = (v: unknown): string | null =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : null

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

function toResolution(v: unknown): RefundResolution | null {
  if (!isRecord(v)) return null
  return { by: str(v.by), note: str(v.note), at: str(v.at) }
}

/** `data.refunds` as rows, oldest first (by `created_at`, then id). */
export function refundRows(data: unknown): RefundRow[] {
  const refunds = isRecord(data) && isRecord(data.refunds) ? data.refunds : {}
  const currency = isRecord(data) ? str(data.currency_code) : null
  return Object.entries(refunds)
    .filter(([, r]) => isRecord(r))
    .map(([id, raw]) => {
      const r = raw as Record<string, unknown>
      return {
        id,
        ref: str(r.ref),
        transaction_id: str(r.transaction_id),
        status: refundStatus(r.status),
        amount: str(r.amount),
        currency_code: str(r.currency_code) ?? currency,
        code: str(r.code),
        message: str(r.message),
        created_at: str(r.created_at),
        settled_at: str(r.settled_at),
        resolution: toResolution(r.resolution),
      }
    })
    .sort((a, b) => {
      const ta = a.created_at ?? ""
      const tb = b.created_at ?? ""
      return ta < tb ? -1 : ta > tb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    })
}

/** A payment as `GET /admin/payments/:id?fields=+data,+provider_id,…` returns it, reduced to what the widget shows. */
export function paymentView(payment: { id: string; provider_id?: string | null; currency_code?: string | null; data?: unknown }): PaymentView {
  const data = isRecord(payment.data) ? payment.data : {}
  const card = isRecord(data.card)
    ? { scheme: str(data.card.scheme), last4: str(data.card.last4), exp_month: str(data.card.exp_month), exp_year: str(data.card.exp_year) }
    : null
  const refunds = refundRows(data)
  return {
    id: payment.id,
    provider_id: payment.provider_id ?? "",
    transaction_id: str(data.transaction_id),
    transaction_ref: str(data.transaction_ref),
    authorization_id: str(data.authorization_id),
    card,
    amount: str(data.amount),
    refunded_amount: str(data.refunded_amount),
    currency_code: str(data.currency_code) ?? str(payment.currency_code),
    refunds,
    pending: refunds.filter((r) => r.status === "pending"),
  }
}

/**
 * One line on what a settle call (`{ changed, needs_operator }`) did, given the re-read rows:
 * "74814 is now succeeded", or why nothing changed.
 */
export function describeSettle(
  changed: readonly string[],
  rows: readonly RefundRow[],
  needsOperator: readonly string[] = []
): string {
  const label = (id: string) => rows.find((r) => r.id === id)?.ref ?? id
  const parts = changed.map((id) => `${label(id)} is now ${rows.find((r) => r.id === id)?.status ?? "updated"}`)
  if (needsOperator.length) {
    parts.push(
      `${needsOperator.join(", ")}: the gateway never named ${needsOperator.length === 1 ? "this refund" : "these refunds"}; ` +
        `look for "Medusa refund <id>" in the PaymentOptions portal`
    )
  }
  return parts.length ? parts.join("; ") : "No change: the gateway has no final outcome yet."
}
