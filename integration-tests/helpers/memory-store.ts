/**
 * An in-memory PaymentOptionsStore with the plugin module's semantics (unique intent keys, at most one unsettled
 * refund per captured transaction and one unsettled card payment per session), for the provider tests that run
 * without a Medusa app (gateway phase) and for the benchmark. The real one is the module's service.
 */
import { MathBN } from "@medusajs/framework/utils"
import {
  BeginOperationInput,
  OperationConflictError,
  OperationPatch,
  OperationRecord,
  OrphanInput,
  OrphanRecord,
  PaymentOptionsStore,
  SavedCardInput,
  SavedCardRecord,
  UNSETTLED,
  WebhookTransactionInput,
  WebhookTransactionRecord,
} from "../../src/modules/paymentoptions/types"

let seq = 0
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(++seq).toString(36).padStart(6, "0")}`

/** Appends to the list under `key`; returns the position. */
function push(index: Map<string, OperationRecord[]>, key: string, op: OperationRecord): number {
  const list = index.get(key)
  if (!list) {
    index.set(key, [op])
    return 0
  }
  return list.push(op) - 1
}

/** A refunded transaction's refunds, kept up to date by beginOperation/updateOperation so refundTotals is O(1). */
interface RefundBook {
  /** Sum of the amounts of its succeeded refund records (exact decimal arithmetic), and that sum as text. */
  sum: BigNumber
  text: string
  /** Ids of its refund records with an unsettled status. */
  open: Set<string>
}

type BigNumber = ReturnType<typeof MathBN.convert>

/**
 * Operation records are immutable here, like rows read from a database: an update stores a new frozen record, so a
 * record handed out is never changed afterwards and nobody can change the store through it (writing to one throws).
 * Reads therefore hand out the stored records themselves instead of copies.
 */
export class MemoryStore implements PaymentOptionsStore {
  /** The current record of every operation, by id. */
  readonly operations = new Map<string, OperationRecord>()
  private readonly byKey = new Map<string, string>()
  /** Records by the transaction they act on and by session, in creation order (an update replaces them in place). */
  private readonly byParent = new Map<string, OperationRecord[]>()
  private readonly bySession = new Map<string, OperationRecord[]>()
  /** Where each operation sits in those lists. */
  private readonly slots = new Map<string, { parent: number; session: number }>()
  private readonly refundBooks = new Map<string, RefundBook>()
  /** Creation order of the operations (refundTotals lists open refunds in that order). */
  private readonly order = new Map<string, number>()
  readonly webhooks: WebhookTransactionRecord[] = []
  readonly cards = new Map<string, SavedCardRecord>()
  readonly orphans: OrphanRecord[] = []
  readonly ips = new Map<string, string>()

  async beginOperation(input: BeginOperationInput) {
    const known = this.byKey.get(input.key)
    if (known) return { operation: this.operations.get(known)!, created: false }
    const blocking = this.blocking(input)
    if (blocking) throw new OperationConflictError(blocking)
    const op: OperationRecord = Object.freeze({
      id: nextId("poop"),
      status: "sending",
      provider_id: null,
      medusa_id: null,
      parent_transaction_id: null,
      transaction_id: null,
      transaction_ref: null,
      code: null,
      message: null,
      response_code: null,
      client_ip: null,
      issued_token: null,
      account_holder_id: null,
      card: null,
      settled_at: null,
      resolution: null,
      created_at: new Date().toISOString(),
      ...input,
    } as OperationRecord)
    this.order.set(op.id, seq)
    this.operations.set(op.id, op)
    this.byKey.set(op.key, op.id)
    this.slots.set(op.id, {
      parent: op.parent_transaction_id ? push(this.byParent, op.parent_transaction_id, op) : -1,
      session: push(this.bySession, op.session_id, op),
    })
    this.enter(op)
    return { operation: op, created: true }
  }

  private blocking(input: BeginOperationInput): OperationRecord | undefined {
    if (input.kind === "refund" && input.parent_transaction_id) {
      const open = this.refundBooks.get(input.parent_transaction_id)?.open
      if (open?.size) return this.inOrder(open)[0]
    }
    if (input.kind === "sale" || input.kind === "pre_auth") {
      return (this.bySession.get(input.session_id) ?? []).find((op) => (op.kind === "sale" || op.kind === "pre_auth") && UNSETTLED.includes(op.status))
    }
    return undefined
  }

  async updateOperation(id: string, patch: OperationPatch) {
    const op = this.operations.get(id)
    if (!op) throw new Error(`no operation ${id}`)
    const next: OperationRecord = Object.freeze(Object.assign({ ...op }, patch))
    const moves = next.status !== op.status || next.amount !== op.amount
    if (moves) this.leave(op)
    this.operations.set(id, next)
    const slot = this.slots.get(id)!
    if (slot.parent >= 0) this.byParent.get(op.parent_transaction_id!)![slot.parent] = next
    this.bySession.get(op.session_id)![slot.session] = next
    if (moves) this.enter(next)
    return next
  }

  async findOperation(key: string) {
    const id = this.byKey.get(key)
    return id ? this.operations.get(id)! : null
  }

  async operationsWhere(filter: { session_id?: string; parent_transaction_id?: string; transaction_id?: string; kind?: string[] }) {
    const source: Iterable<OperationRecord> = filter.session_id
      ? this.bySession.get(filter.session_id) ?? []
      : filter.parent_transaction_id
        ? this.byParent.get(filter.parent_transaction_id) ?? []
        : this.operations.values()
    const out: OperationRecord[] = []
    for (const op of source) {
      if (
        (!filter.session_id || op.session_id === filter.session_id) &&
        (!filter.parent_transaction_id || op.parent_transaction_id === filter.parent_transaction_id) &&
        (!filter.transaction_id || op.transaction_id === filter.transaction_id) &&
        (!filter.kind || filter.kind.includes(op.kind))
      ) {
        out.push(op)
      }
    }
    return out
  }

  async countCardAttempts(filter: { session_id?: string; client_ip?: string; since?: Date }) {
    return [...this.operations.values()].filter(
      (op) =>
        (op.kind === "sale" || op.kind === "pre_auth") &&
        (!filter.session_id || op.session_id === filter.session_id) &&
        (!filter.client_ip || op.client_ip === filter.client_ip) &&
        (!filter.since || new Date(op.created_at) >= filter.since)
    ).length
  }

  async refundTotals(parentTransactionId: string) {
    const book = this.refundBooks.get(parentTransactionId)
    if (!book) return { succeeded: "0", open: [] }
    return { succeeded: book.text, open: book.open.size ? this.inOrder(book.open) : [] }
  }

  // The refund books follow the records: a record leaves its book before a change of status or amount, and enters
  // it again after.

  private enter(op: OperationRecord): void {
    if (op.kind !== "refund" || !op.parent_transaction_id) return
    let book = this.refundBooks.get(op.parent_transaction_id)
    if (!book) {
      const zero = MathBN.convert(0)
      book = { sum: zero, text: zero.toFixed(), open: new Set() }
      this.refundBooks.set(op.parent_transaction_id, book)
    }
    if (op.status === "succeeded") this.setSum(book, op.parent_transaction_id, MathBN.add(book.sum, op.amount))
    else if (UNSETTLED.includes(op.status)) book.open.add(op.id)
  }

  private leave(op: OperationRecord): void {
    const book = op.kind === "refund" && op.parent_transaction_id ? this.refundBooks.get(op.parent_transaction_id) : undefined
    if (!book) return
    if (op.status === "succeeded") this.setSum(book, op.parent_transaction_id!, MathBN.sub(book.sum, op.amount))
    else book.open.delete(op.id)
  }

  private setSum(book: RefundBook, parentTransactionId: string, sum: BigNumber): void {
    // Exact decimal arithmetic keeps the running sum equal to the sum of the records; should an amount not be a
    // number, the sum is taken from the records again rather than carried as NaN.
    book.sum = sum.isFinite() ? sum : this.sumOf(parentTransactionId)
    book.text = book.sum.toFixed()
  }

  private sumOf(parentTransactionId: string): BigNumber {
    let sum = MathBN.convert(0)
    for (const op of this.byParent.get(parentTransactionId) ?? []) {
      if (op.kind === "refund" && op.status === "succeeded") sum = MathBN.add(sum, op.amount)
    }
    return sum
  }

  private inOrder(ids: Set<string>): OperationRecord[] {
    const list = [...ids]
    if (list.length > 1) list.sort((a, b) => this.order.get(a)! - this.order.get(b)!)
    return list.map((id) => this.operations.get(id)!)
  }

  async recordWebhookTransaction(input: WebhookTransactionInput) {
    const known = this.webhooks.find((w) => w.transaction_id === input.transaction_id)
    if (known) {
      known.outcome = input.outcome
      known.deliveries++
      return { record: { ...known }, first: false }
    }
    const record = {
      id: nextId("powh"),
      provider_id: null,
      amount: null,
      currency_code: null,
      deliveries: 1,
      created_at: new Date().toISOString(),
      ...input,
    } as WebhookTransactionRecord
    this.webhooks.push(record)
    return { record: { ...record }, first: true }
  }

  async webhookTransactionsOf(sessionId: string) {
    return this.webhooks.filter((w) => w.session_id === sessionId).map((w) => ({ ...w }))
  }

  async saveCard(input: SavedCardInput) {
    const known = [...this.cards.values()].find((c) => c.account_holder_id === input.account_holder_id && c.token === input.token)
    if (known) return { ...known }
    const card = {
      id: nextId("pocard"),
      customer_id: null,
      scheme: null,
      last4: null,
      exp_month: null,
      exp_year: null,
      operation_id: null,
      created_at: new Date().toISOString(),
      ...input,
    } as SavedCardRecord
    this.cards.set(card.id, card)
    return { ...card }
  }

  async savedCard(id: string) {
    const card = this.cards.get(id)
    return card ? { ...card } : null
  }

  async listSavedCardsOf(accountHolderId: string) {
    return [...this.cards.values()].filter((c) => c.account_holder_id === accountHolderId).map((c) => ({ ...c }))
  }

  async removeSavedCard(id: string) {
    this.cards.delete(id)
  }

  async removeSavedCardsOf(accountHolderId: string) {
    for (const [id, c] of this.cards) if (c.account_holder_id === accountHolderId) this.cards.delete(id)
  }

  async recordOrphan(input: OrphanInput) {
    const known = this.orphans.find((o) => o.transaction_id === input.transaction_id)
    if (known) return { orphan: { ...known }, created: false }
    const orphan = {
      id: nextId("poorph"),
      provider_id: null,
      status: "open",
      operation_id: null,
      resolution: null,
      created_at: new Date().toISOString(),
      ...input,
    } as OrphanRecord
    this.orphans.push(orphan)
    return { orphan: { ...orphan }, created: true }
  }

  async setClientIp(sessionId: string, clientIp: string) {
    this.ips.set(sessionId, clientIp)
  }

  async clientIpOf(sessionId: string) {
    return this.ips.get(sessionId) ?? null
  }
}
