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

export class MemoryStore implements PaymentOptionsStore {
  readonly operations = new Map<string, OperationRecord>()
  private readonly byKey = new Map<string, OperationRecord>()
  private readonly byParent = new Map<string, Set<OperationRecord>>()
  private readonly bySession = new Map<string, OperationRecord[]>()
  readonly webhooks: WebhookTransactionRecord[] = []
  readonly cards = new Map<string, SavedCardRecord>()
  readonly orphans: OrphanRecord[] = []
  readonly ips = new Map<string, string>()

  async beginOperation(input: BeginOperationInput) {
    const known = this.byKey.get(input.key)
    if (known) return { operation: { ...known }, created: false }
    const blocking = this.blocking(input)
    if (blocking) throw new OperationConflictError({ ...blocking })
    const op: OperationRecord = {
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
    } as OperationRecord
    this.operations.set(op.id, op)
    this.byKey.set(op.key, op)
    if (op.parent_transaction_id) {
      if (!this.byParent.has(op.parent_transaction_id)) this.byParent.set(op.parent_transaction_id, new Set())
      this.byParent.get(op.parent_transaction_id)!.add(op)
    }
    if (!this.bySession.has(op.session_id)) this.bySession.set(op.session_id, [])
    this.bySession.get(op.session_id)!.push(op)
    return { operation: { ...op }, created: true }
  }

  private blocking(input: BeginOperationInput): OperationRecord | undefined {
    if (input.kind === "refund" && input.parent_transaction_id) {
      for (const op of this.byParent.get(input.parent_transaction_id) ?? []) {
        if (op.kind === "refund" && UNSETTLED.includes(op.status)) return op
      }
    }
    if (input.kind === "sale" || input.kind === "pre_auth") {
      return (this.bySession.get(input.session_id) ?? []).find((op) => (op.kind === "sale" || op.kind === "pre_auth") && UNSETTLED.includes(op.status))
    }
    return undefined
  }

  async updateOperation(id: string, patch: OperationPatch) {
    const op = this.operations.get(id)
    if (!op) throw new Error(`no operation ${id}`)
    Object.assign(op, patch)
    return { ...op }
  }

  async findOperation(key: string) {
    const op = this.byKey.get(key)
    return op ? { ...op } : null
  }

  async operationsWhere(filter: { session_id?: string; parent_transaction_id?: string; transaction_id?: string; kind?: string[] }) {
    const source = filter.session_id
      ? this.bySession.get(filter.session_id) ?? []
      : filter.parent_transaction_id
        ? [...(this.byParent.get(filter.parent_transaction_id) ?? [])]
        : [...this.operations.values()]
    return source
      .filter(
        (op) =>
          (!filter.session_id || op.session_id === filter.session_id) &&
          (!filter.parent_transaction_id || op.parent_transaction_id === filter.parent_transaction_id) &&
          (!filter.transaction_id || op.transaction_id === filter.transaction_id) &&
          (!filter.kind || filter.kind.includes(op.kind))
      )
      .map((op) => ({ ...op }))
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
    let succeeded = MathBN.convert(0)
    const open: OperationRecord[] = []
    for (const op of this.byParent.get(parentTransactionId) ?? []) {
      if (op.kind !== "refund") continue
      if (op.status === "succeeded") succeeded = MathBN.add(succeeded, op.amount)
      else if (UNSETTLED.includes(op.status)) open.push({ ...op })
    }
    return { succeeded: succeeded.toFixed(), open }
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
