/**
 * The admin widget's view of an order's PaymentOptions state, read from GET /admin/paymentoptions/orders/:id
 * (src/workflows/helpers/order-view.ts) and the order the dashboard hands the widget. Pure functions, no React:
 * unit-tested in __tests__/admin-refunds.spec.ts. Nothing here trusts the shape of a response: a value of the
 * wrong type is treated as missing.
 */

/** Provider ids of this plugin: `pp_paymentoptions` and `pp_paymentoptions_<id>` (as the server's context.ts). */
export function isPaymentOptionsPayment(providerId: unknown): boolean {
  return typeof providerId === "string" && (providerId === "pp_paymentoptions" || providerId.startsWith("pp_paymentoptions_"))
}

export type RefundStatus = "succeeded" | "pending" | "failed" | "unknown"
export type ClaimStatus = "in_progress" | "waiting" | "succeeded" | "partial" | "failed" | "nothing_owed" | "unknown"
export type BadgeColor = "green" | "orange" | "red" | "grey" | "blue"

export interface RefundResolution {
  by: string | null
  note: string | null
  at: string | null
}

export interface RefundRow {
  /** The Medusa refund id (the key in `payment.data.refunds`). */
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
  /** Pending with no gateway id: the gateway cannot be asked about it, an operator resolves it. */
  needs_operator: boolean
}

/** A Medusa refund row with no record in the plugin's ledger (the gateway was never recorded as asked). */
export interface UnrecordedRefund {
  id: string
  amount: string | null
  created_at: string | null
}

export interface PaymentPanel {
  id: string
  provider_id: string
  currency_code: string | null
  transaction_id: string | null
  transaction_ref: string | null
  card: { scheme: string | null; last4: string | null; exp_month: string | null; exp_year: string | null } | null
  /** The amount the payment was made for (major units, as stored). */
  amount: string | null
  /** What Medusa captured. */
  captured: string | null
  /** Sum of the succeeded refunds (derived by the server from the ledger). */
  refunded_amount: string | null
  refunds: RefundRow[]
  pending: RefundRow[]
  unrecorded: UnrecordedRefund[]
}

export interface ClaimRefund {
  payment_id: string | null
  refund_id: string | null
  amount: string | null
  status: string | null
  error: string | null
}

export interface ReturnRefundClaim {
  id: string
  return_id: string | null
  status: ClaimStatus
  owed: string | null
  currency_code: string | null
  refunds: ClaimRefund[]
  not_refunded: { amount: string | null; reasons: string[] } | null
  error: string | null
  created_at: string | null
  finished_at: string | null
}

export interface CancelShortfallView {
  currency_code: string | null
  booked: string | null
  refunded: string | null
  shortfall: string
}

export interface OrderPanel {
  order_id: string | null
  payments: PaymentPanel[]
  return_refunds: ReturnRefundClaim[]
  cancel_shortfall: CancelShortfallView | null
  /** The server's decimals per lower-case currency code (formatAmount uses nothing else). */
  currency_decimals: Record<string, number>
}

const str = (v: unknown): string | null =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : null

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

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

const CLAIM_STATUSES: readonly ClaimStatus[] = ["in_progress", "waiting", "succeeded", "partial", "failed", "nothing_owed"]

export function claimStatus(value: unknown): ClaimStatus {
  return CLAIM_STATUSES.includes(value as ClaimStatus) ? (value as ClaimStatus) : "unknown"
}

/** A return refund the plugin is still working on: a manual refund now competes with it. */
export function isClaimActive(status: ClaimStatus): boolean {
  return status === "in_progress" || status === "waiting"
}

/** Badge text and colour of a return-refund claim. */
export function claimBadge(status: ClaimStatus): { label: string; color: BadgeColor } {
  switch (status) {
    case "in_progress":
      return { label: "in progress", color: "blue" }
    case "waiting":
      return { label: "waiting", color: "orange" }
    case "succeeded":
      return { label: "succeeded", color: "green" }
    case "partial":
      return { label: "partial", color: "orange" }
    case "failed":
      return { label: "failed", color: "red" }
    case "nothing_owed":
      return { label: "nothing owed", color: "grey" }
    default:
      return { label: "unknown", color: "grey" }
  }
}

function toResolution(v: unknown): RefundResolution | null {
  if (!isRecord(v)) return null
  return { by: str(v.by), note: str(v.note), at: str(v.at) }
}

const byCreated = <T extends { id: string; created_at: string | null }>(a: T, b: T) => {
  const ta = a.created_at ?? ""
  const tb = b.created_at ?? ""
  return ta < tb ? -1 : ta > tb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function refundRow(raw: Record<string, unknown>, id: string, currency: string | null): RefundRow {
  const status = refundStatus(raw.status)
  const transaction_id = str(raw.transaction_id)
  return {
    id,
    ref: str(raw.ref),
    transaction_id,
    status,
    amount: str(raw.amount),
    currency_code: str(raw.currency_code) ?? currency,
    code: str(raw.code),
    message: str(raw.message),
    created_at: str(raw.created_at),
    settled_at: str(raw.settled_at),
    resolution: toResolution(raw.resolution),
    needs_operator: status === "pending" && !transaction_id,
  }
}

/**
 * Refund records as rows, oldest first (by `created_at`, then id): either the view's array
 * (`[{ id, ...record }]`) or a ledger keyed by Medusa refund id (`payment.data.refunds`, the settle answer).
 */
export function refundRows(refunds: unknown, currency: string | null = null): RefundRow[] {
  const entries: [string, Record<string, unknown>][] = Array.isArray(refunds)
    ? refunds.filter(isRecord).flatMap((r) => (str(r.id) ? [[str(r.id)!, r] as [string, Record<string, unknown>]] : []))
    : isRecord(refunds)
      ? Object.entries(refunds).filter((e): e is [string, Record<string, unknown>] => isRecord(e[1]))
      : []
  return entries.map(([id, r]) => refundRow(r, id, currency)).sort(byCreated)
}

/** The refunds of the order the dashboard shows (its `payment_collections.payments.refunds`), by id. */
export type MedusaRefunds = ReadonlyMap<string, { amount: string | null; created_at: string | null }>

export function medusaRefundsOf(order: unknown): MedusaRefunds {
  const out = new Map<string, { amount: string | null; created_at: string | null }>()
  const collections = isRecord(order) ? list(order.payment_collections) : []
  for (const pc of collections) {
    for (const p of isRecord(pc) ? list(pc.payments) : []) {
      for (const r of isRecord(p) ? list(p.refunds) : []) {
        if (isRecord(r) && str(r.id)) out.set(str(r.id)!, { amount: str(r.amount), created_at: str(r.created_at) })
      }
    }
  }
  return out
}

/**
 * A key that changes whenever the dashboard's order changes its PaymentOptions payments: a capture, or a refund
 * made with the admin's own Refund button. The widget's query depends on it, so it reloads then.
 */
export function orderPaymentsKey(order: unknown): string {
  const collections = isRecord(order) ? list(order.payment_collections) : []
  return collections
    .flatMap((pc) => (isRecord(pc) ? list(pc.payments) : []))
    .filter((p): p is Record<string, unknown> => isRecord(p) && isPaymentOptionsPayment(p.provider_id))
    .map((p) => [str(p.id) ?? "", str(p.captured_at) ?? "", ...list(p.refunds).map((r) => (isRecord(r) ? str(r.id) : ""))].join(":"))
    .join(",")
}

/** True when the dashboard's order has a PaymentOptions payment (else the widget renders nothing, asks nothing). */
export function hasPaymentOptionsPayment(order: unknown): boolean {
  return orderPaymentsKey(order) !== ""
}

function paymentPanel(raw: Record<string, unknown>, medusaRefunds: MedusaRefunds): PaymentPanel {
  const currency = str(raw.currency_code)
  const card = isRecord(raw.card)
    ? { scheme: str(raw.card.scheme), last4: str(raw.card.last4), exp_month: str(raw.card.exp_month), exp_year: str(raw.card.exp_year) }
    : null
  const refunds = refundRows(raw.refunds, currency)
  const unrecorded = list(raw.unrecorded)
    .map(str)
    .filter((id): id is string => !!id)
    .map((id) => ({ id, amount: medusaRefunds.get(id)?.amount ?? null, created_at: medusaRefunds.get(id)?.created_at ?? null }))
  return {
    id: str(raw.id) ?? "",
    provider_id: str(raw.provider_id) ?? "",
    currency_code: currency,
    transaction_id: str(raw.transaction_id),
    transaction_ref: str(raw.transaction_ref),
    card,
    amount: str(raw.amount),
    captured: str(raw.captured),
    refunded_amount: str(raw.refunded_amount),
    refunds,
    pending: refunds.filter((r) => r.status === "pending"),
    unrecorded,
  }
}

function claim(raw: Record<string, unknown>): ReturnRefundClaim {
  const notRefunded = isRecord(raw.not_refunded) ? raw.not_refunded : null
  return {
    id: str(raw.id) ?? "",
    return_id: str(raw.return_id),
    status: claimStatus(raw.status),
    owed: str(raw.owed),
    currency_code: str(raw.currency_code),
    refunds: list(raw.refunds)
      .filter(isRecord)
      .map((r) => ({ payment_id: str(r.payment_id), refund_id: str(r.refund_id), amount: str(r.amount), status: str(r.status), error: str(r.error) })),
    not_refunded: notRefunded
      ? {
          amount: str(notRefunded.amount),
          reasons: list(notRefunded.payments)
            .filter(isRecord)
            .map((p) => str(p.reason))
            .filter((r): r is string => !!r),
        }
      : null,
    error: str(raw.error),
    created_at: str(raw.created_at),
    finished_at: str(raw.finished_at),
  }
}

/**
 * GET /admin/paymentoptions/orders/:id's `order` as the widget shows it. `medusaRefunds` (from the dashboard's
 * order) gives the amounts of the Medusa refunds the ledger lacks.
 */
export function orderPanel(raw: unknown, medusaRefunds: MedusaRefunds = new Map()): OrderPanel {
  const view = isRecord(raw) ? raw : {}
  const decimals: Record<string, number> = {}
  if (isRecord(view.currency_decimals)) {
    for (const [code, d] of Object.entries(view.currency_decimals)) {
      if (typeof d === "number" && Number.isInteger(d) && d >= 0) decimals[code.toLowerCase()] = d
    }
  }
  const gap = isRecord(view.cancel_shortfall) ? view.cancel_shortfall : null
  return {
    order_id: str(view.order_id),
    payments: list(view.payments)
      .filter(isRecord)
      .map((p) => paymentPanel(p, medusaRefunds)),
    return_refunds: list(view.return_refunds).filter(isRecord).map(claim),
    cancel_shortfall:
      gap && str(gap.shortfall)
        ? { currency_code: str(gap.currency_code), booked: str(gap.booked), refunded: str(gap.refunded), shortfall: str(gap.shortfall)! }
        : null,
    currency_decimals: decimals,
  }
}

/** Return refunds the plugin is still working on (the widget says "return refund in progress" and polls). */
export function activeClaims(panel: OrderPanel | null | undefined): ReturnRefundClaim[] {
  return (panel?.return_refunds ?? []).filter((c) => isClaimActive(c.status))
}

/** True when the panel has nothing to show (no PaymentOptions payment, return refund or shortfall). */
export function isEmptyPanel(panel: OrderPanel): boolean {
  return panel.payments.length === 0 && panel.return_refunds.length === 0 && !panel.cancel_shortfall
}

/**
 * One line on what a settle call (`{ changed, needs_operator, refunds }`, POST …/settle) did: "74814 is now
 * succeeded", or why nothing changed.
 */
export function describeSettle(result: unknown): string {
  const res = isRecord(result) ? result : {}
  const rows = refundRows(res.refunds)
  const changed = list(res.changed).map(str).filter((id): id is string => !!id)
  const needsOperator = list(res.needs_operator).map(str).filter((id): id is string => !!id)
  const label = (id: string) => rows.find((r) => r.id === id)?.ref ?? id
  const parts = changed.map((id) => `${label(id)} is now ${rows.find((r) => r.id === id)?.status ?? "updated"}`)
  if (needsOperator.length) {
    parts.push(
      `${needsOperator.join(", ")}: the gateway never named ${needsOperator.length === 1 ? "this refund" : "these refunds"}; ` +
        `look for "Medusa refund <id>" in the PaymentOptions portal, then resolve it here`
    )
  }
  return parts.length ? parts.join("; ") : "No change: the gateway has no final outcome yet."
}

/** One line on a resolve (POST …/refunds/:refund_id/resolve answers with the payment's ledger). */
export function describeResolve(refundId: string, result: unknown): string {
  const res = isRecord(result) ? result : {}
  const row = refundRows(res.refunds).find((r) => r.id === refundId)
  return row ? `${refundId} is now ${row.status}` : `${refundId} resolved`
}

/** One line on the cancel-shortfall fix (`{ refunded: [{ payment_id, amount }] }`), amounts through `money`. */
export function describeShortfallFix(
  result: unknown,
  currency: string | null,
  money: (amount: string | null, currency: string | null) => string
): string {
  const refunded = (isRecord(result) ? list(result.refunded) : [])
    .filter(isRecord)
    .map((r) => `${money(str(r.amount), currency)} on ${str(r.payment_id) ?? "?"}`)
  return refunded.length ? `Refunded ${refunded.join(", ")}.` : "Nothing was refunded."
}
