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

/** The refunds of one captured transaction, kept up to date by beginOperation/updateOperation: refundTotals is O(1). */
interface RefundBook {
  /** Its refund records, in creation order. */
  refunds: OperationRecord[]
  /**
   * Sum of the amounts of its succeeded refund records in `units` of 10^-scale, exact while `exact` (integers below
   * 2^53); otherwise (an amount that is not a plain decimal) the book is summed again with BigNumber at each read.
   * `text`: the sum as BigNumber's toFixed() writes it, made at the next read after a change.
   */
  units: number
  scale: number
  exact: boolean
  text: string | undefined
  /** Ids of its refund records with an unsettled status. */
  open: Set<string>
}

/** Where an operation sits in the lists below (-1: not in that list), and its creation order. */
interface Slot {
  seq: number
  parent: number
  session: number
  refund: number
}

const PLAIN_DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/

/** `units` of 10^-scale as BigNumber's toFixed() writes the value: no trailing fraction zeros, "0" for zero. */
function decimalText(units: number, scale: number): string {
  const negative = units < 0
  const digits = String(negative ? -units : units).padStart(scale + 1, "0")
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, "")
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`
}

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
  private readonly refundBooks = new Map<string, RefundBook>()
  private readonly slots = new Map<string, Slot>()
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
      // What every refund reads of every earlier refund (medusa_id, status, transaction_id, resolution) comes first.
      id: nextId("poop"),
      medusa_id: null,
      status: "sending",
      transaction_id: null,
      resolution: null,
      provider_id: null,
      parent_transaction_id: null,
      transaction_ref: null,
      code: null,
      message: null,
      response_code: null,
      client_ip: null,
      issued_token: null,
      account_holder_id: null,
      card: null,
      settled_at: null,
      requested_amount: null,
      created_at: new Date().toISOString(),
      ...input,
    } as OperationRecord)
    const parent = op.parent_transaction_id
    const book = op.kind === "refund" && parent ? this.refundBook(parent) : undefined
    this.operations.set(op.id, op)
    this.byKey.set(op.key, op.id)
    this.slots.set(op.id, {
      seq,
      parent: parent ? push(this.byParent, parent, op) : -1,
      session: push(this.bySession, op.session_id, op),
      refund: book ? book.refunds.push(op) - 1 : -1,
    })
    if (book) this.enter(book, op)
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
    const slot = this.slots.get(id)!
    this.operations.set(id, next)
    if (slot.parent >= 0) this.byParent.get(op.parent_transaction_id!)![slot.parent] = next
    this.bySession.get(op.session_id)![slot.session] = next
    if (slot.refund >= 0) {
      const book = this.refundBooks.get(op.parent_transaction_id!)!
      book.refunds[slot.refund] = next
      // The book follows the record: it leaves with its old status and amount and enters with the new ones.
      if (next.status !== op.status || next.amount !== op.amount) {
        this.leave(book, op)
        this.enter(book, next)
      }
    }
    return next
  }

  async findOperation(key: string) {
    const id = this.byKey.get(key)
    return id ? this.operations.get(id)! : null
  }

  async operationsWhere(filter: { session_id?: string; parent_transaction_id?: string; transaction_id?: string; kind?: string[] }) {
    if (filter.parent_transaction_id && !filter.session_id && !filter.transaction_id && filter.kind?.length === 1 && filter.kind[0] === "refund") {
      // The refunds of a captured transaction (every refund asks for them): already listed in its book.
      return this.refundBooks.get(filter.parent_transaction_id)?.refunds.slice() ?? []
    }
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
    let text: string
    if (!book.exact) {
      let sum = MathBN.convert(0)
      for (const op of book.refunds) if (op.status === "succeeded") sum = MathBN.add(sum, op.amount)
      text = sum.toFixed()
    } else {
      text = book.text ??= decimalText(book.units, book.scale)
    }
    return { succeeded: text, open: book.open.size ? this.inOrder(book.open) : [] }
  }

  private refundBook(parentTransactionId: string): RefundBook {
    let book = this.refundBooks.get(parentTransactionId)
    if (!book) {
      book = { refunds: [], units: 0, scale: 0, exact: true, text: "0", open: new Set() }
      this.refundBooks.set(parentTransactionId, book)
    }
    return book
  }

  private enter(book: RefundBook, op: OperationRecord): void {
    if (op.status === "succeeded") this.addToSum(book, op.amount, 1)
    else if (UNSETTLED.includes(op.status)) book.open.add(op.id)
  }

  private leave(book: RefundBook, op: OperationRecord): void {
    if (op.status === "succeeded") this.addToSum(book, op.amount, -1)
    else book.open.delete(op.id)
  }

  /** Exact integer arithmetic keeps the running sum equal to the sum of the records' amounts. */
  private addToSum(book: RefundBook, amount: unknown, sign: number): void {
    if (!book.exact) return
    book.text = undefined
    const match = typeof amount === "string" || typeof amount === "number" ? PLAIN_DECIMAL.exec(String(amount)) : null
    const fraction = match?.[3] ?? ""
    if (!match || fraction.length > 15) {
      book.exact = false
      return
    }
    if (fraction.length > book.scale) {
      book.units *= 10 ** (fraction.length - book.scale)
      book.scale = fraction.length
    }
    const units = Number(match[2] + fraction.padEnd(book.scale, "0"))
    book.units += match[1] ? -sign * units : sign * units
    book.exact = Number.isSafeInteger(units) && Number.isSafeInteger(book.units)
  }

  private inOrder(ids: Set<string>): OperationRecord[] {
    const list = [...ids]
    if (list.length > 1) list.sort((a, b) => this.slots.get(a)!.seq - this.slots.get(b)!.seq)
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
