// In-memory gateway state. Everything is keyed by id so each request is O(1).
import { randomInt, randomUUID } from "crypto"
import { formatMajor } from "./money"
import type {
  RecordedRequest,
  SandboxCard,
  SandboxTransaction,
  SettleOutcome,
  TransactionSource,
  TransactionStatus,
  TransactionType,
  ThreeDsState,
  WebhookDelivery,
} from "./types"

const FIRST_REF = 74811 // first `ref` seen in the gateway's docs samples
const MAX_LOG = 50_000 // bound memory for long CLI sessions

export interface TxnRecord {
  id: string
  ref: number
  type: TransactionType
  source: TransactionSource
  status: TransactionStatus
  amountMinor: number
  currency: string
  parentId?: string
  merchantTxnRef: string
  notes?: string
  card: SandboxCard
  scheme: string
  authCode: string
  /** 0 when approved/pending, the acquirer decline code otherwise. */
  responseCode: number
  createdAt: string
  captureId?: string
  voidId?: string
  refundedMinor: number
  refundIds: string[]
  webhookUrl?: string
  storedPaymentMethodId?: string
  threeDs?: ThreeDsState
  /** Key of the transaction's entry in SandboxState.challenges. */
  threeDsToken?: string
}

/** A 3-D Secure challenge opened by a v2 authorization/sale (served under /3ds/<token>). */
export interface ThreeDsChallenge {
  token: string
  txnId: string
  successUrl: string
  declineUrl: string
  /** The request asked for a token; it is only issued once the challenge passes. */
  storePaymentMethod: boolean
  completed: boolean
}

export interface HppLink {
  id: string
  code: string
  amountMinor: number
  currency: string
  merchantTxnRef: string
  merchantId: string
  merchantEmail: string | null
  returnUrl: {
    webhook_url: string
    success_url: string
    decline_url: string
    cancel_url?: string
    inprogress_url?: string
  }
  billingAddress: unknown
  shippingAddress: unknown
  storePaymentMethod: boolean
  used: boolean
}

export interface StoredCard {
  card: SandboxCard
  scheme: string
}

export interface NewTxn {
  type: TransactionType
  source: TransactionSource
  status: TransactionStatus
  amountMinor: number
  currency: string
  merchantTxnRef: string
  card: SandboxCard
  scheme: string
  responseCode?: number
  id?: string
  parentId?: string
  notes?: string
  webhookUrl?: string
  storedPaymentMethodId?: string
  threeDs?: ThreeDsState
  threeDsToken?: string
}

export class SandboxState {
  readonly txns = new Map<string, TxnRecord>()
  readonly linksByCode = new Map<string, HppLink>()
  readonly tokens = new Map<string, StoredCard>()
  readonly challenges = new Map<string, ThreeDsChallenge>()
  readonly requestLog: RecordedRequest[] = []
  readonly webhookLog: WebhookDelivery[] = []
  private nextRef = FIRST_REF

  addTxn(n: NewTxn): TxnRecord {
    const t: TxnRecord = {
      id: n.id ?? randomUUID(),
      ref: this.nextRef++,
      type: n.type,
      source: n.source,
      status: n.status,
      amountMinor: n.amountMinor,
      currency: n.currency,
      parentId: n.parentId,
      merchantTxnRef: n.merchantTxnRef,
      notes: n.notes,
      card: n.card,
      scheme: n.scheme,
      authCode: String(randomInt(0, 1_000_000)).padStart(6, "0"),
      responseCode: n.responseCode ?? 0,
      createdAt: new Date().toISOString(),
      refundedMinor: 0,
      refundIds: [],
      webhookUrl: n.webhookUrl,
      storedPaymentMethodId: n.storedPaymentMethodId,
    }
    if (n.threeDs) t.threeDs = n.threeDs
    if (n.threeDsToken) t.threeDsToken = n.threeDsToken
    this.txns.set(t.id, t)
    return t
  }

  newLinkCode(): string {
    const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    for (;;) {
      let code = ""
      for (let i = 0; i < 8; i++) code += alphabet[randomInt(alphabet.length)]
      if (!this.linksByCode.has(code)) return code
    }
  }

  /**
   * Resolve a pending transaction. A declined outcome undoes what the pending
   * operation reserved on its parent (refund balance, capture, void).
   * Returns false when the transaction was already settled to the same outcome.
   * `declineCode` overrides the acquirer code of a declined original (e.g. 937 after 3-D Secure).
   */
  settle(id: string, outcome: SettleOutcome, declineCode?: number): boolean {
    const t = this.txns.get(id)
    if (!t) throw new Error(`Sandbox: transaction ${id} not found`)
    if (t.status !== "pending") {
      if (t.status === outcome) return false
      throw new Error(`Sandbox: transaction ${id} is not pending (status ${t.status})`)
    }
    t.status = outcome
    if (outcome === "succeeded") {
      t.responseCode = 0
      return true
    }
    const original = t.type === "PRE_AUTH" || t.source === "payment" || t.source === "hpp"
    t.responseCode = declineCode ?? (original ? 5 : 12)
    const parent = t.parentId ? this.txns.get(t.parentId) : undefined
    if (parent && t.type === "REFUND") parent.refundedMinor -= t.amountMinor
    if (parent && t.type === "CAPTURE" && parent.captureId === t.id) parent.captureId = undefined
    if (parent && t.type === "VOID" && parent.voidId === t.id) parent.voidId = undefined
    return true
  }

  logRequest(r: RecordedRequest): void {
    pushBounded(this.requestLog, r)
  }

  logWebhook(w: WebhookDelivery): void {
    pushBounded(this.webhookLog, w)
  }

  reset(): void {
    this.txns.clear()
    this.linksByCode.clear()
    this.tokens.clear()
    this.challenges.clear()
    this.requestLog.length = 0
    this.webhookLog.length = 0
    this.nextRef = FIRST_REF
  }
}

function pushBounded<T>(arr: T[], item: T): void {
  arr.push(item)
  if (arr.length > MAX_LOG) arr.splice(0, MAX_LOG / 5)
}

/** Snapshot for tests/control endpoints, so callers cannot mutate live state. */
export function publicTxn(t: TxnRecord): SandboxTransaction {
  const out: SandboxTransaction = {
    id: t.id,
    ref: t.ref,
    type: t.type,
    source: t.source,
    status: t.status,
    amount: formatMajor(t.amountMinor, t.currency),
    amountMinor: t.amountMinor,
    currency: t.currency,
    merchantTxnRef: t.merchantTxnRef,
    card: { ...t.card },
    scheme: t.scheme,
    responseCode: t.responseCode,
    createdAt: t.createdAt,
  }
  if (t.parentId) out.parentId = t.parentId
  if (t.notes !== undefined) out.notes = t.notes
  if (t.storedPaymentMethodId) out.storedPaymentMethodId = t.storedPaymentMethodId
  if (t.threeDs) out.threeDs = t.threeDs
  if (t.type === "PRE_AUTH") {
    out.captured = t.captureId !== undefined
    out.voided = t.voidId !== undefined
    if (t.captureId) out.captureId = t.captureId
    if (t.voidId) out.voidId = t.voidId
  }
  if (isCapturedTxn(t)) {
    out.refundedAmountMinor = t.refundedMinor
    out.refundedAmount = formatMajor(t.refundedMinor, t.currency)
    out.refundIds = [...t.refundIds]
  }
  return out
}

/** A sale or a capture: the only transactions a refund may point at. */
export function isCapturedTxn(t: TxnRecord): boolean {
  return t.type === "CAPTURE"
}
