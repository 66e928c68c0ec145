import {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  CreateAccountHolderInput,
  CreateAccountHolderOutput,
  DeleteAccountHolderInput,
  DeleteAccountHolderOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  ListPaymentMethodsInput,
  ListPaymentMethodsOutput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrieveAccountHolderInput,
  RetrieveAccountHolderOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  SavePaymentMethodInput,
  SavePaymentMethodOutput,
  UpdateAccountHolderInput,
  UpdateAccountHolderOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { AbstractPaymentProvider, MathBN, MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { providerIdOf, registeredStore } from "../../modules/paymentoptions/directory"
import type { OperationRecord, PaymentOptionsStore } from "../../modules/paymentoptions/types"
import { authorizationOf, captureAuthorization, isReleased, unknownOutcome, voidAuthorization } from "./authorization"
import { CardKind, CardSource, currencyOf, expectedFor, hostedSale, latestCardOperation, sessionIdOf, startCardOperation, stillProcessing } from "./checkout"
import { PaymentOptionsClient } from "./client"
import { GatewayContext, missingPlugin } from "./context"
import { toMedusaError } from "./errors"
import { shortId, statusOf } from "./gateway-ops"
import { maskPans } from "./masking"
import { isPositive, normalizeAmount, toGatewayAmount } from "./money"
import { PaymentOptionsOptions, resolveOptions, ResolvedOptions, webhookUrlFor } from "./options"
import { accountHolderIdFor, accountHolderOf, publicCard } from "./saved-cards"
import { PaymentOptionsData, readPaymentData } from "./payment-data"
import { refundTransaction } from "./refund"
import { CardPaymentInput, parseCardPayment, returnUrls } from "./requests"
import type { TransactionEnvelope } from "./schemas"
import { outcomeOf, sessionStatusOf } from "./status"
import { parseStorefrontData } from "./storefront-data"
import { assertTransactionMatches } from "./verify"
import { webhookAction } from "./webhook"

type InjectedDependencies = { logger: Logger }

/** A card payment reached the gateway without a request IP (cannot happen through the plugin's routes). */
const UNKNOWN_IP = "0.0.0.0"

/**
 * The PaymentOptions payment provider. Payment truth comes from the gateway only: it answers `authorized` or
 * `captured` after Transaction Status confirmed the session's own transaction, and every money call goes through
 * the plugin's operation log (one intent, one money movement). Methods return only the data keys they change:
 * Medusa deep-merges them into what is stored.
 */
class PaymentOptionsProviderService extends AbstractPaymentProvider<PaymentOptionsOptions> {
  static identifier = "paymentoptions"

  protected readonly options_: ResolvedOptions
  protected readonly client_: PaymentOptionsClient
  protected readonly logger_: Logger
  /** What `injected` found for each key. */
  private readonly injectedKeys = new Map<string, unknown>()

  static validateOptions(options: Record<string, unknown>): void {
    resolveOptions(options)
  }

  constructor(container: InjectedDependencies, options: PaymentOptionsOptions) {
    super(container, options)
    this.options_ = resolveOptions(options)
    this.logger_ = container.logger
    this.client_ = new PaymentOptionsClient(this.options_)
  }

  // ---------------------------------------------------------------- plumbing

  /** This registration's id (`pp_paymentoptions_<id>`), known from the provider's loader. */
  protected providerId(): string {
    const injected = this.injected("paymentOptionsProviderId")
    const id = (typeof injected === "string" ? injected : undefined) ?? providerIdOf(this.config as object)
    if (!id) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        "PaymentOptions: this provider was not registered through Medusa's payment module (its loader did not run), so it cannot tell its own id."
      )
    }
    return id
  }

  protected store(): PaymentOptionsStore {
    const store = (this.injected("paymentOptionsStore") as PaymentOptionsStore | undefined) ?? registeredStore()
    if (!store) throw missingPlugin()
    return store
  }

  /**
   * A test's stand-in from the container (the provider tests run without Medusa). Medusa's cradle throws on unknown
   * keys, and building that error costs tens of microseconds, so each key is looked up once per instance (Medusa
   * makes the provider a singleton; what its container holds does not change).
   */
  private injected(key: string): unknown {
    if (this.injectedKeys.has(key)) return this.injectedKeys.get(key)
    let value: unknown
    try {
      value = (this.container as Record<string, unknown>)[key]
    } catch {
      value = undefined
    }
    this.injectedKeys.set(key, value)
    return value
  }

  protected ctx(): GatewayContext {
    return { providerId: this.providerId(), options: this.options_, client: this.client_, store: this.store(), logger: this.logger_ }
  }

  protected webhookUrl(): string {
    return webhookUrlFor(this.options_, this.providerId())
  }

  // ---------------------------------------------------------------- checkout

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const fromStorefront = parseStorefrontData(input.data)
    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (!isPositive(amount)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: cannot start a payment of ${amount} ${currencyCode.toUpperCase()}.`)
    }
    const sessionId = typeof input.data?.session_id === "string" && input.data.session_id ? input.data.session_id : input.context?.idempotency_key
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: no payment session id to use as merchant_txn_ref.")
    }
    const holder = accountHolderOf(input.context)
    const holderId = holder && (!holder.provider_id || holder.provider_id === this.providerId()) ? holder.id : undefined
    if ((fromStorefront.payment_method_id || fromStorefront.save_card) && !holderId) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: saved cards belong to a customer account; log the customer in to pay with or save a card."
      )
    }
    const base: PaymentOptionsData = {
      session_id: sessionId,
      currency_code: currencyCode,
      amount,
      medusa_amount: MathBN.convert(input.amount).toFixed(),
      merchant_txn_ref: sessionId,
      ...(holderId ? { account_holder_id: holderId } : {}),
      ...(fromStorefront.save_card ? { save_card: true } : {}),
    }
    if (fromStorefront.payment_method_id) {
      const card = await this.store().savedCard(fromStorefront.payment_method_id)
      if (!card || card.account_holder_id !== holderId || card.provider_id !== this.providerId()) {
        throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "PaymentOptions: that saved card does not belong to this customer.")
      }
      const data: PaymentOptionsData = { ...base, checkout: "s2s", payment_method_id: card.id, card: publicCard(card) }
      return { id: sessionId, status: PaymentSessionStatus.PENDING, data }
    }
    if (this.options_.checkoutMode === "server") {
      return { id: sessionId, status: PaymentSessionStatus.PENDING, data: { ...base, checkout: "s2s" } }
    }
    const link = await this.gateway(() =>
      this.client_.generateHppLink({
        amount,
        currency: currencyCode.toUpperCase(),
        merchant_id: this.options_.merchantId,
        merchant_txn_ref: sessionId,
        ...(this.options_.merchantEmail ? { merchant_email: this.options_.merchantEmail } : {}),
        ...(base.save_card ? { payment_method: { type: "scheme", store_payment_method: true } } : {}),
        return_url: returnUrls(this.options_, this.webhookUrl()),
        time_zone: this.options_.timeZone,
      })
    )
    const data: PaymentOptionsData = { ...base, checkout: "hpp", hpp_link_id: link.id, redirect_url: link.url }
    return { id: link.id, status: PaymentSessionStatus.PENDING, data }
  }

  /**
   * Called by the plugin's card route with `card_payment` (card data in memory, never stored) and by Medusa when a
   * session's amount changes. A card authorized for an old amount is released; the shopper gives the card again.
   */
  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const { card_payment: cardInput, ...rest } = input.data ?? {}
    const data = readPaymentData(rest)
    if (cardInput !== undefined) return this.payWithCard(data, cardInput as CardPaymentInput)

    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (data.amount === amount && data.currency_code === currencyCode) return { data: {} }
    const ctx = this.ctx()
    let last = await latestCardOperation(ctx, data)
    if (!last && !data.transaction_id && data.checkout === "hpp") {
      // A hosted-page payment is only logged once someone asks the gateway: ask before issuing a new link.
      const hosted = await hostedSale(ctx, data)
      if (hosted && "id" in hosted) last = hosted
    }
    if (data.transaction_id || (last?.kind === "sale" && last.status !== "declined")) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: the shopper already paid this session; its amount can no longer change. Refund or cancel instead."
      )
    }
    if (last && last.status !== "declined" && last.status !== "succeeded") throw stillProcessing()
    const authorization = await authorizationOf(ctx, data)
    if (authorization) {
      const released = await voidAuthorization(ctx, data, authorization)
      if (released.status !== "succeeded") throw unknownOutcome("void", released.operation)
    }
    if (data.checkout === "hpp") {
      // The gateway cannot change or expire a link: a new one is issued; a payment on the old one is an orphan.
      const next = await this.initiatePayment({ ...input, data: { session_id: data.session_id } })
      return { status: PaymentSessionStatus.PENDING, data: { ...next.data, three_ds: null, attempt: null, last_error: null } }
    }
    return {
      status: PaymentSessionStatus.PENDING,
      data: {
        amount,
        medusa_amount: MathBN.convert(input.amount).toFixed(),
        currency_code: currencyCode,
        authorized_at: null,
        three_ds: null,
        attempt: null,
        last_error: null,
      },
    }
  }

  /** Card data from the store route: always a PRE_AUTH first, so money is only captured once the order exists. */
  protected async payWithCard(data: PaymentOptionsData, input: CardPaymentInput): Promise<UpdatePaymentOutput> {
    if (this.options_.checkoutMode !== "server" || !this.options_.allowRawCardData) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        'PaymentOptions: card data is not accepted by this store (checkoutMode "server" with allowRawCardData is required).'
      )
    }
    const card = parseCardPayment({ card: input.card, ...(input.browser_info ? { browser_info: input.browser_info } : {}) })
    const ctx = this.ctx()
    let last = await latestCardOperation(ctx, data)
    // An amount change released the old hold: the shopper gives the card again.
    if (last && !data.canceled_at && (await isReleased(ctx, last))) last = undefined
    if (last && last.status !== "declined") {
      if (last.status === "succeeded") {
        throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "PaymentOptions: this payment session already has a card payment.")
      }
      throw stillProcessing()
    }
    return this.runCardPayment(ctx, data, { card }, "pre_auth", input.client_ip || UNKNOWN_IP)
  }

  protected async runCardPayment(
    ctx: GatewayContext,
    data: PaymentOptionsData,
    source: CardSource,
    kind: CardKind,
    clientIp: string
  ): Promise<AuthorizePaymentOutput> {
    const started = await startCardOperation(ctx, data, source, kind, clientIp, this.webhookUrl())
    if (started.challengeUrl) {
      return {
        status: PaymentSessionStatus.REQUIRES_MORE,
        data: { three_ds: { redirect_url: started.challengeUrl, kind, started_at: new Date().toISOString() }, last_error: null, attempt: null },
      }
    }
    return this.answerFor(ctx, data, started.operation, false)
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = readPaymentData(input.data)
    if (!data.session_id) return { data: {} }
    let ctx: GatewayContext
    try {
      ctx = this.ctx()
    } catch {
      return { data: {} }
    }
    if (data.transaction_id) {
      // Medusa recorded this money as captured, and the session goes: the store route refuses that once the cart is
      // an order, so no order uses it (a completion that failed after the capture). What was not refunded (Medusa's
      // own compensation refunds it before it recreates the session) is listed as an orphan; its refund is refused
      // should an order use the payment after all.
      const totals = await ctx.store.refundTotals(data.transaction_id)
      if (totals.open.length) return { data: {} } // a refund still settling: reconciliation lists it
      const left = MathBN.sub(data.amount ?? "0", totals.succeeded)
      if (!MathBN.gt(left, 0)) return { data: {} }
      const captured = { transaction_id: data.transaction_id, session_id: data.session_id, amount: left.toFixed(), currency_code: data.currency_code ?? "" }
      await this.recordOrphan(ctx, data, captured as OperationRecord, "sale", "its session was deleted after its payment was captured, and no order uses it")
      return { data: {} }
    }
    const last = await latestCardOperation(ctx, data).catch(() => undefined)
    const authorization = await authorizationOf(ctx, data).catch(() => undefined)
    if (authorization && data.payment_recorded_at && !(await isReleased(ctx, authorization))) {
      // Medusa recorded a payment on this hold (an order's, or a completion that has not been undone): releasing it
      // here would leave an order unpaid. Throwing keeps the session.
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: payment session ${data.session_id} backs a payment Medusa recorded; it cannot be deleted. ` +
          "Cancel the order (or its payment) to release the hold."
      )
    }
    if (authorization) {
      // An abandoned checkout must not keep the shopper's funds on hold.
      const released = await voidAuthorization(ctx, data, authorization).catch((error) => {
        this.logger_.warn(`PaymentOptions could not void the authorization of deleted session ${data.session_id}: ${maskPans((error as Error).message)}`)
        return null
      })
      if (released?.status !== "succeeded") await this.recordOrphan(ctx, data, authorization, "pre_auth", "its session was deleted and the hold could not be released")
      return { data: {} }
    }
    const sale = last?.kind === "sale" && last.status !== "declined" ? last : data.checkout === "hpp" ? await hostedSale(ctx, data).catch(() => undefined) : undefined
    if (sale && "id" in sale && sale.status !== "declined") {
      await this.recordOrphan(ctx, data, sale, "sale", sale.status === "succeeded" ? "its session was deleted after the shopper paid" : "its session was deleted while the payment's outcome was unknown")
    }
    // No gateway call can expire a hosted-page link (API.md §2): a payment made on it later is recorded as an orphan.
    return { data: {} }
  }

  protected async recordOrphan(ctx: GatewayContext, data: PaymentOptionsData, op: OperationRecord, kind: "sale" | "pre_auth", reason: string) {
    if (!op.transaction_id) {
      this.logger_.error(
        `PaymentOptions payment session ${data.session_id} was deleted while its ${kind} (operation ${op.id}) had an unknown outcome and no gateway id; ` +
          "check the PaymentOptions portal (merchant_txn_ref is the session id)."
      )
      return
    }
    const { created } = await ctx.store.recordOrphan({
      transaction_id: op.transaction_id,
      session_id: op.session_id,
      provider_id: ctx.providerId,
      kind,
      amount: op.amount,
      currency_code: op.currency_code,
      reason,
    })
    if (created) {
      this.logger_.error(
        `PaymentOptions: ${op.amount} ${op.currency_code.toUpperCase()} (${kind === "pre_auth" ? `held by authorization ${shortId(op.transaction_id)}` : `transaction ${op.transaction_id}`}) ` +
          `of payment session ${op.session_id} belongs to no order: ${reason}. ` +
          "It is listed under GET /admin/paymentoptions/orphan-payments with a one-click refund."
      )
    }
  }

  /**
   * Medusa creates the payment with exactly the data this returns (not merged with the session's), so the whole
   * session data goes back with the changes.
   */
  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const answer = await this.authorize(input)
    // Medusa records a payment with this data only for these answers: from now on the money belongs to an order.
    const recorded = answer.status === PaymentSessionStatus.AUTHORIZED || answer.status === PaymentSessionStatus.CAPTURED
    return {
      status: answer.status,
      data: { ...(input.data ?? {}), ...(answer.data ?? {}), ...(recorded ? { payment_recorded_at: new Date().toISOString() } : {}) },
    }
  }

  protected async authorize(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = readPaymentData(input.data)
    const ctx = this.ctx()
    let op = await latestCardOperation(ctx, data)
    if (op && !data.canceled_at && (await isReleased(ctx, op))) op = undefined
    if (!op || op.status === "declined") {
      if (data.payment_method_id && (!op || op.kind !== "pre_auth")) {
        const card = await ctx.store.savedCard(data.payment_method_id)
        if (!card || card.account_holder_id !== data.account_holder_id) {
          return { status: PaymentSessionStatus.ERROR, data: { last_error: { code: null, message: "The saved card is no longer available.", response_code: null } } }
        }
        if (op) return { status: PaymentSessionStatus.ERROR, data: {} }
        const kind: CardKind = this.options_.captureMode === "automatic" ? "sale" : "pre_auth"
        const ip = (await ctx.store.clientIpOf(sessionIdOf(data))) ?? UNKNOWN_IP
        return this.runCardPayment(ctx, data, { token: card.token }, kind, ip)
      }
      if (data.checkout === "hpp") {
        const sale = await hostedSale(ctx, data)
        if (!sale) return { status: PaymentSessionStatus.PENDING, data: {} }
        if ("declined" in sale) return { status: PaymentSessionStatus.ERROR, data: { last_error: gatewayFacts(sale.declined) } }
        op = sale
      } else if (!op) {
        return {
          status: PaymentSessionStatus.ERROR,
          data: { last_error: { code: null, message: "No card: pay with card data on the card route or with a saved card before completing the cart.", response_code: null } },
        }
      }
    }
    return this.answerFor(ctx, data, op, true, input.context?.idempotency_key)
  }

  /**
   * Medusa's answer for a card operation. Only a succeeded operation whose transaction Transaction Status confirms
   * now becomes `authorized` or `captured`.
   */
  protected async answerFor(
    ctx: GatewayContext,
    data: PaymentOptionsData,
    op: OperationRecord,
    completing: boolean,
    idempotencyKey?: string
  ): Promise<AuthorizePaymentOutput> {
    switch (op.status) {
      case "declined":
        return {
          status: PaymentSessionStatus.ERROR,
          data: { last_error: { code: op.code, message: op.message, response_code: op.response_code }, three_ds: null, attempt: null },
        }
      case "sending":
      case "unknown":
      case "pending":
        if (op.status === "pending" && data.three_ds) return { status: PaymentSessionStatus.REQUIRES_MORE, data: {} }
        return {
          status: PaymentSessionStatus.PENDING,
          data: {
            attempt: {
              kind: op.kind,
              status: op.status === "pending" ? "pending" : "unknown",
              started_at: toIso(op.created_at),
              message: "The gateway has not confirmed this payment yet; it is not sent again. Try completing the order again in a moment.",
            },
          },
        }
    }
    const envelope = await this.confirm(ctx, data, op)
    const facts = {
      card: (op.card as PaymentOptionsData["card"]) ?? null,
      three_ds: null,
      attempt: null,
      last_error: null,
    }
    if (op.kind === "sale") {
      return { status: PaymentSessionStatus.CAPTURED, data: { ...facts, ...capturedFacts(envelope, op, data) } }
    }
    const authorized = { ...facts, authorized_at: toIso(op.settled_at ?? op.created_at) }
    if (this.options_.captureMode !== "automatic" || !completing) return { status: PaymentSessionStatus.AUTHORIZED, data: authorized }
    const captured = await captureAuthorization(ctx, data, op, idempotencyKey ? `session ${idempotencyKey}` : null)
    if (captured.status !== "succeeded") {
      return {
        status: PaymentSessionStatus.PENDING,
        data: {
          ...authorized,
          attempt: { kind: "capture", status: "unknown", started_at: toIso(captured.operation.created_at), message: unknownOutcome("capture", captured.operation).message },
        },
      }
    }
    return { status: PaymentSessionStatus.CAPTURED, data: { ...authorized, ...capturedFromOperation(captured.operation, data) } }
  }

  /** Transaction Status of a succeeded card operation, checked against the session once more. */
  protected async confirm(ctx: GatewayContext, data: PaymentOptionsData, op: OperationRecord): Promise<TransactionEnvelope> {
    const envelope = op.transaction_id ? await this.gateway(() => this.client_.getTransactionStatus(op.transaction_id!)) : null
    if (!envelope || outcomeOf(envelope) !== "succeeded") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: the gateway does not confirm the payment of session ${op.session_id}; try again in a moment.`
      )
    }
    assertTransactionMatches(envelope, expectedFor(ctx, data, op.kind as CardKind))
    return envelope
  }

  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = readPaymentData(input.data)
    // Already captured (a sale, or an earlier capture): capturing again never moves money twice.
    if (data.transaction_id) return { data: {} }
    const ctx = this.ctx()
    const authorization = await authorizationOf(ctx, data)
    if (!authorization) {
      const sale = await latestCardOperation(ctx, data)
      if (sale?.kind === "sale" && sale.status === "succeeded") {
        const envelope = await this.confirm(ctx, data, sale)
        return { data: capturedFacts(envelope, sale, data) }
      }
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "PaymentOptions: there is no successful PaymentOptions authorization to capture for this payment.")
    }
    const captured = await captureAuthorization(ctx, data, authorization, input.context?.idempotency_key)
    if (captured.status !== "succeeded") throw unknownOutcome("capture", captured.operation)
    return { data: capturedFromOperation(captured.operation, data) }
  }

  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = readPaymentData(input.data)
    if (data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: transaction ${data.transaction_id} is already captured; a captured payment cannot be voided, refund it instead.`
      )
    }
    const ctx = this.ctx()
    const authorization = await authorizationOf(ctx, data)
    if (authorization) {
      const voided = await voidAuthorization(ctx, data, authorization)
      if (voided.status !== "succeeded") throw unknownOutcome("void", voided.operation)
      return { data: { canceled_at: toIso(voided.operation.settled_at ?? voided.operation.created_at) } }
    }
    const last = await latestCardOperation(ctx, data)
    if (last?.kind === "sale" && last.status === "succeeded") {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `PaymentOptions: the shopper paid transaction ${last.transaction_id}; refund it instead of canceling.`)
    }
    if (last && last.status !== "declined") throw stillProcessing()
    // Nothing was charged; the gateway has no call to expire a hosted-page link or an unfinished challenge.
    return { data: { three_ds: null, canceled_at: new Date().toISOString() } }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = readPaymentData(input.data)
    if (data.canceled_at) return { status: PaymentSessionStatus.CANCELED, data: {} }
    const ctx = this.ctx()
    const last = data.transaction_id ? undefined : await latestCardOperation(ctx, data)
    const op = last && !(await isReleased(ctx, last)) ? last : undefined
    const id = data.transaction_id ?? op?.transaction_id
    const envelope = id ? await statusOf(ctx, id) : null
    if (!envelope) return { status: data.three_ds ? PaymentSessionStatus.REQUIRES_MORE : PaymentSessionStatus.PENDING, data: {} }
    const outcome = outcomeOf(envelope)
    if (outcome === "pending" && data.three_ds) return { status: PaymentSessionStatus.REQUIRES_MORE, data: {} }
    return { status: sessionStatusOf(outcome, !!data.transaction_id || op?.kind === "sale"), data: {} }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = readPaymentData(input.data)
    const id = data.transaction_id
    const envelope = id ? await statusOf(this.ctx(), id) : null
    if (!envelope) return { data: {} }
    return { data: { gateway_status: { outcome: outcomeOf(envelope), ...gatewayFacts(envelope), checked_at: new Date().toISOString() } } }
  }

  // ------------------------------------------------------------------ refund

  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const data = readPaymentData(input.data)
    const refundId = input.context?.idempotency_key
    if (!refundId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: a refund needs Medusa's refund id (context.idempotency_key).")
    }
    const { record, refundedAmount, settled } = await refundTransaction(this.ctx(), data, input.amount, refundId)
    // The records of earlier refunds settled on the way changed too: the ledger stays in step with refunded_amount.
    // (`settled` is a fresh object of this call: this refund's record is added to it.)
    settled[refundId] = record
    return { data: { refunds: settled, refunded_amount: refundedAmount } }
  }

  // ---------------------------------------------------------------- webhooks

  async getWebhookActionAndData(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    return webhookAction(this.ctx(), payload)
  }

  // ------------------------------------------------- account holders & saved cards

  /** The gateway has no customer object: the account holder is Medusa's own, keyed by the customer. */
  async createAccountHolder(input: CreateAccountHolderInput): Promise<CreateAccountHolderOutput> {
    const customerId = input.context?.customer?.id
    if (!customerId) throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: an account holder needs a customer.")
    return { id: accountHolderIdFor(customerId), data: {} }
  }

  async updateAccountHolder(_input: UpdateAccountHolderInput): Promise<UpdateAccountHolderOutput> {
    return {}
  }

  async retrieveAccountHolder(input: RetrieveAccountHolderInput): Promise<RetrieveAccountHolderOutput> {
    return { id: input.id, data: {} } as RetrieveAccountHolderOutput
  }

  async deleteAccountHolder(input: DeleteAccountHolderInput): Promise<DeleteAccountHolderOutput> {
    const holder = accountHolderOf(input.context)
    if (holder) await this.store().removeSavedCardsOf(holder.id)
    return {}
  }

  async listPaymentMethods(input: ListPaymentMethodsInput): Promise<ListPaymentMethodsOutput> {
    const holder = accountHolderOf(input.context)
    if (!holder) return []
    const cards = await this.store().listSavedCardsOf(holder.id)
    return cards.filter((c) => c.provider_id === this.providerId()).map((c) => ({ id: c.id, data: publicCard(c) }))
  }

  /**
   * Saves the card of a paid checkout of this account holder where the shopper opted in (`save_card`): the gateway
   * only issues a token with a payment (API.md §5.9). `data.payment_session_id` names that checkout.
   */
  async savePaymentMethod(input: SavePaymentMethodInput): Promise<SavePaymentMethodOutput> {
    const holder = accountHolderOf(input.context)
    const sessionId = typeof input.data?.payment_session_id === "string" ? input.data.payment_session_id : undefined
    if (!holder || !sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: saving a card needs the customer's account holder and data.payment_session_id.")
    }
    const store = this.store()
    const ops = await store.operationsWhere({ session_id: sessionId, kind: ["sale", "pre_auth"] })
    const source = ops.filter((op) => op.status === "succeeded" && op.issued_token && op.account_holder_id === holder.id).at(-1)
    if (!source) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: that checkout has no card to save for this customer (the shopper must opt in with save_card and pay by card)."
      )
    }
    const card = source.card as { scheme?: string; last4?: string; exp_month?: string; exp_year?: string } | null
    const saved = await store.saveCard({
      provider_id: this.providerId(),
      account_holder_id: holder.id,
      customer_id: input.context?.customer?.id ?? null,
      token: source.issued_token!,
      scheme: card?.scheme ?? null,
      last4: card?.last4 ?? null,
      exp_month: card?.exp_month ?? null,
      exp_year: card?.exp_year ?? null,
      operation_id: source.id,
    })
    return { id: saved.id, data: publicCard(saved) }
  }

  async deletePaymentMethod(input: { data?: Record<string, unknown>; context?: unknown }): Promise<{ data?: Record<string, unknown> }> {
    const id = typeof input.data?.id === "string" ? input.data.id : undefined
    const holder = accountHolderOf(input.context)
    const store = this.store()
    const card = id ? await store.savedCard(id) : null
    if (!card || !holder || card.account_holder_id !== holder.id) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, "PaymentOptions: no such saved card for this customer.")
    }
    await store.removeSavedCard(card.id)
    return { data: { id: card.id } }
  }

  // ----------------------------------------------------------------- helpers

  /** Runs a gateway call, turning its errors into MedusaErrors. */
  protected async gateway<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw toMedusaError(error)
    }
  }
}

function toIso(value: Date | string | null | undefined): string {
  if (!value) return new Date().toISOString()
  return value instanceof Date ? value.toISOString() : value
}

function gatewayFacts(envelope: TransactionEnvelope) {
  return {
    code: envelope.gateway_response.code,
    message: envelope.gateway_response.message ? maskPans(envelope.gateway_response.message) : null,
    response_code: envelope.payment_details?.response_code ?? null,
  }
}

/** The captured transaction (a sale) as payment data: what refunds are made against. */
function capturedFacts(envelope: TransactionEnvelope, op: OperationRecord, data: PaymentOptionsData): PaymentOptionsData {
  const currencyCode = currencyOf(data)
  const paid = envelope.payment_details?.amount
  return {
    transaction_id: envelope.transaction_details?.id ?? op.transaction_id!,
    transaction_ref: op.transaction_ref,
    amount: paid === null || paid === undefined ? normalizeAmount(op.amount, currencyCode) : normalizeAmount(paid, currencyCode),
    captured_at: envelope.transaction_details?.timestamp ?? toIso(op.settled_at),
    refunded_amount: normalizeAmount(0, currencyCode),
  }
}

/** A succeeded capture operation as payment data. */
function capturedFromOperation(op: OperationRecord, data: PaymentOptionsData): PaymentOptionsData {
  const currencyCode = currencyOf(data)
  return {
    transaction_id: op.transaction_id!,
    transaction_ref: op.transaction_ref,
    amount: normalizeAmount(op.amount, currencyCode),
    captured_at: toIso(op.settled_at ?? op.created_at),
    refunded_amount: normalizeAmount(0, currencyCode),
  }
}

export default PaymentOptionsProviderService
