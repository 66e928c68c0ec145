import { defaultCurrencies, InjectManager, MathBN, MedusaContext, MedusaError, MedusaService } from "@medusajs/framework/utils"
import type { Context } from "@medusajs/framework/types"
import { registerStore } from "./directory"
import { Operation } from "./models/operation"
import { OrphanPayment } from "./models/orphan-payment"
import { ReturnRefund } from "./models/return-refund"
import { SavedCard } from "./models/saved-card"
import { SessionContext } from "./models/session-context"
import { WebhookTransaction } from "./models/webhook-transaction"
import {
  BeginOperationInput,
  OperationConflictError,
  OperationKind,
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
} from "./types"

const CARD_KINDS: OperationKind[] = ["sale", "pre_auth"]

/** A bigNumber column read back as the decimal string it was written as. */
/**
 * A bigNumber column read back as a decimal string with its currency's decimals ("12.30" stays "12.30": Medusa keeps
 * the value trimmed, "12.3", and amounts are compared as text with what the gateway answers).
 */
function decimal(row: any, field: string): string | null {
  const raw = row?.[`raw_${field}`]
  const value = raw && typeof raw === "object" && raw.value !== undefined && raw.value !== null ? raw.value : row?.[field]
  if (value === null || value === undefined) return null
  const currency = typeof row?.currency_code === "string" ? row.currency_code.toUpperCase() : ""
  const decimals = defaultCurrencies[currency]?.decimal_digits
  return decimals === undefined ? String(value) : MathBN.convert(value).toFixed(decimals)
}

function toOperation(row: any): OperationRecord {
  return { ...row, amount: decimal(row, "amount") ?? "0" } as OperationRecord
}

function isDuplicate(error: unknown): boolean {
  return error instanceof MedusaError && /already exists/i.test(error.message)
}

/**
 * The plugin's own state (see models/). Besides the generated CRUD it implements PaymentOptionsStore, what the
 * provider and the workflows use; the service registers itself in the directory so the provider can reach it.
 */
export default class PaymentOptionsModuleService
  extends MedusaService({ Operation, SavedCard, WebhookTransaction, OrphanPayment, ReturnRefund, SessionContext })
  implements PaymentOptionsStore
{
  constructor(...args: any[]) {
    // @ts-ignore MedusaService's constructor takes the module's cradle and declaration
    super(...args)
    registerStore(this)
  }

  // ------------------------------------------------------------------ operation log

  async beginOperation(input: BeginOperationInput): Promise<{ operation: OperationRecord; created: boolean }> {
    const existing = await this.findOperation(input.key)
    if (existing) return { operation: existing, created: false }
    const blocking = await this.blockingOperation(input)
    if (blocking) throw new OperationConflictError(blocking)
    try {
      const row = await this.createOperations({ ...input, status: "sending" } as any)
      return { operation: toOperation(row), created: true }
    } catch (error) {
      if (!isDuplicate(error)) throw error
      // Lost a race: the same intent (key) or another unsettled operation (partial unique index) won it.
      const again = await this.findOperation(input.key)
      if (again) return { operation: again, created: false }
      const other = await this.blockingOperation(input)
      if (other) throw new OperationConflictError(other)
      throw error
    }
  }

  private async blockingOperation(input: BeginOperationInput): Promise<OperationRecord | null> {
    if (input.kind === "refund" && input.parent_transaction_id) {
      const [row] = await this.listOperations(
        { kind: "refund", parent_transaction_id: input.parent_transaction_id, status: [...UNSETTLED] } as any,
        { take: 1 }
      )
      return row ? toOperation(row) : null
    }
    if (CARD_KINDS.includes(input.kind)) {
      const [row] = await this.listOperations(
        { kind: CARD_KINDS, session_id: input.session_id, status: [...UNSETTLED] } as any,
        { take: 1 }
      )
      return row ? toOperation(row) : null
    }
    return null
  }

  async updateOperation(id: string, patch: OperationPatch): Promise<OperationRecord> {
    const row = await this.updateOperations({ id, ...patch } as any)
    return toOperation(row)
  }

  async findOperation(key: string): Promise<OperationRecord | null> {
    const [row] = await this.listOperations({ key }, { take: 1 })
    return row ? toOperation(row) : null
  }

  async operationsWhere(filter: {
    session_id?: string
    parent_transaction_id?: string
    transaction_id?: string
    kind?: OperationKind[]
  }): Promise<OperationRecord[]> {
    const rows = await this.listOperations(filter as any, { order: { created_at: "ASC" } })
    return rows.map(toOperation)
  }

  async countCardAttempts(filter: { session_id?: string; client_ip?: string; since?: Date }): Promise<number> {
    const where: Record<string, unknown> = { kind: CARD_KINDS }
    if (filter.session_id) where.session_id = filter.session_id
    if (filter.client_ip) where.client_ip = filter.client_ip
    if (filter.since) where.created_at = { $gte: filter.since }
    const [, count] = await this.listAndCountOperations(where as any, { take: 1, select: ["id"] })
    return count
  }

  // ------------------------------------------------------------------ webhooks

  async recordWebhookTransaction(input: WebhookTransactionInput): Promise<{ record: WebhookTransactionRecord; first: boolean }> {
    const [known] = await this.listWebhookTransactions({ transaction_id: input.transaction_id } as any, { take: 1 })
    if (known) {
      const row = await this.updateWebhookTransactions({
        id: known.id,
        outcome: input.outcome,
        deliveries: (known.deliveries ?? 1) + 1,
      } as any)
      return { record: this.toWebhook(row), first: false }
    }
    try {
      const row = await this.createWebhookTransactions(input as any)
      return { record: this.toWebhook(row), first: true }
    } catch (error) {
      if (!isDuplicate(error)) throw error
      return this.recordWebhookTransaction(input)
    }
  }

  async webhookTransactionsOf(sessionId: string): Promise<WebhookTransactionRecord[]> {
    const rows = await this.listWebhookTransactions({ session_id: sessionId } as any, { order: { created_at: "ASC" } })
    return rows.map((row: any) => this.toWebhook(row))
  }

  private toWebhook(row: any): WebhookTransactionRecord {
    return { ...row, amount: decimal(row, "amount") } as WebhookTransactionRecord
  }

  // ------------------------------------------------------------------ saved cards

  async saveCard(input: SavedCardInput): Promise<SavedCardRecord> {
    const [known] = await this.listSavedCards({ account_holder_id: input.account_holder_id, token: input.token } as any, { take: 1 })
    if (known) return known as SavedCardRecord
    try {
      return (await this.createSavedCards(input as any)) as SavedCardRecord
    } catch (error) {
      if (!isDuplicate(error)) throw error
      const [row] = await this.listSavedCards({ account_holder_id: input.account_holder_id, token: input.token } as any, { take: 1 })
      return row as SavedCardRecord
    }
  }

  async savedCard(id: string): Promise<SavedCardRecord | null> {
    const [row] = await this.listSavedCards({ id } as any, { take: 1 })
    return (row as SavedCardRecord) ?? null
  }

  async listSavedCardsOf(accountHolderId: string): Promise<SavedCardRecord[]> {
    return (await this.listSavedCards({ account_holder_id: accountHolderId } as any, { order: { created_at: "ASC" } })) as SavedCardRecord[]
  }

  async removeSavedCard(id: string): Promise<void> {
    await this.softDeleteSavedCards([id])
  }

  async removeSavedCardsOf(accountHolderId: string): Promise<void> {
    const rows = await this.listSavedCards({ account_holder_id: accountHolderId } as any, { select: ["id"] })
    if (rows.length) await this.softDeleteSavedCards(rows.map((r: any) => r.id))
  }

  // ------------------------------------------------------------------ orphans

  async recordOrphan(input: OrphanInput): Promise<{ orphan: OrphanRecord; created: boolean }> {
    const [known] = await this.listOrphanPayments({ transaction_id: input.transaction_id } as any, { take: 1 })
    if (known) return { orphan: this.toOrphan(known), created: false }
    try {
      return { orphan: this.toOrphan(await this.createOrphanPayments(input as any)), created: true }
    } catch (error) {
      if (!isDuplicate(error)) throw error
      const [row] = await this.listOrphanPayments({ transaction_id: input.transaction_id } as any, { take: 1 })
      return { orphan: this.toOrphan(row), created: false }
    }
  }

  toOrphan(row: any): OrphanRecord {
    return { ...row, amount: decimal(row, "amount") ?? "0" } as OrphanRecord
  }

  // ------------------------------------------------------------------ refund totals

  @InjectManager()
  async refundTotals(
    parentTransactionId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ succeeded: string; open: OperationRecord[] }> {
    // An aggregate on the module's own table: the cost of a refund must not grow with the refunds before it.
    const knex = (sharedContext.manager as any).getKnex()
    const [sum] = await knex("paymentoptions_operation")
      .where({ parent_transaction_id: parentTransactionId, kind: "refund", status: "succeeded" })
      .whereNull("deleted_at")
      // The raw value, not the numeric column (written from a JS number): exact at any size.
      .select(knex.raw("coalesce(sum((raw_amount->>'value')::numeric), 0)::text as total"))
    const open = await this.listOperations(
      { kind: "refund", parent_transaction_id: parentTransactionId, status: [...UNSETTLED] } as any,
      { order: { created_at: "ASC" } }
    )
    return { succeeded: MathBN.convert(sum?.total ?? 0).toFixed(), open: open.map(toOperation) }
  }

  // ------------------------------------------------------------------ session context

  async setClientIp(sessionId: string, clientIp: string): Promise<void> {
    const [known] = await this.listSessionContexts({ session_id: sessionId } as any, { take: 1 })
    if (known) {
      if (known.client_ip !== clientIp) await this.updateSessionContexts({ id: known.id, client_ip: clientIp } as any)
      return
    }
    try {
      await this.createSessionContexts({ session_id: sessionId, client_ip: clientIp } as any)
    } catch (error) {
      if (!isDuplicate(error)) throw error
    }
  }

  async clientIpOf(sessionId: string): Promise<string | null> {
    const [row] = await this.listSessionContexts({ session_id: sessionId } as any, { take: 1 })
    return row?.client_ip ?? null
  }
}
