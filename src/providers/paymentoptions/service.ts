import {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import { AbstractPaymentProvider, MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { randomUUID } from "node:crypto"
import { CardPaymentAnswer, PaymentOptionsClient, SuccessEnvelope } from "./client"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { maskCard, maskPans } from "./masking"
import { currencyDecimals, isGreater, isPositive, normalizeAmount, subtractAmounts, toGatewayAmount } from "./money"
import { PaymentOptionsOptions, resolveOptions, ResolvedOptions } from "./options"
import {
  PaymentOptionsData,
  pendingRefundIds,
  readPaymentData,
  RefundRecord,
  refundedTotal,
} from "./payment-data"
import { refundFacts, settlePendingRefunds, settleTransaction } from "./refund-settlement"
import { assertNoCardData, CardPayment, cardPaymentBody, parseCardPayment, returnUrls } from "./requests"
import { TransactionEnvelope } from "./schemas"
import { PaymentRecords, PaymentSessions, webhookAction } from "./webhook"
import { outcomeOf, sessionStatusOf } from "./status"

type InjectedDependencies = { logger: Logger }

const NOTES_MAX = 128

class PaymentOptionsProviderService extends AbstractPaymentProvider<PaymentOptionsOptions> {
  static identifier = "paymentoptions"

  protected readonly options_: ResolvedOptions
  protected readonly client_: PaymentOptionsClient
  protected readonly logger_: Logger

  static validateOptions(options: Record<string, unknown>): void {
    resolveOptions(options)
  }

  constructor(container: InjectedDependencies, options: PaymentOptionsOptions) {
    super(container, options)
    this.options_ = resolveOptions(options)
    this.logger_ = container.logger
    this.client_ = new PaymentOptionsClient(this.options_)
  }

  // ---------------------------------------------------------------- checkout

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    assertNoCardData(input.data)
    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (!isPositive(amount)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: cannot start a payment of ${amount} ${currencyCode.toUpperCase()}.`)
    }
    const sessionId = stringOrUndefined(input.data?.session_id) ?? input.context?.idempotency_key
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: no payment session id to use as merchant_txn_ref.")
    }
    const base = { ...(input.data ?? {}), session_id: sessionId, currency_code: currencyCode, amount, merchant_txn_ref: sessionId }
    const token = input.data?.stored_payment_method_id
    if (token !== undefined && (typeof token !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(token))) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: stored_payment_method_id must be a saved card token.")
    }
    if (this.options_.checkoutMode === "server" || token) {
      // Nothing is sent yet: a saved card is charged when the cart completes, card data arrives on the store route.
      const data: PaymentOptionsData = { ...base, checkout: "s2s" }
      return { id: sessionId, status: PaymentSessionStatus.PENDING, data }
    }
    const link = await this.gateway(() =>
      this.client_.generateHppLink({
        amount,
        currency: currencyCode.toUpperCase(),
        merchant_id: this.options_.merchantId,
        merchant_txn_ref: sessionId,
        ...(this.options_.merchantEmail ? { merchant_email: this.options_.merchantEmail } : {}),
        return_url: returnUrls(this.options_),
        time_zone: this.options_.timeZone,
      })
    )
    const data: PaymentOptionsData = { ...base, checkout: "hpp", hpp_link_id: link.id, redirect_url: link.url }
    return { id: link.id, status: PaymentSessionStatus.PENDING, data }
  }

  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const { card_payment: cardInput, ...rest } = input.data ?? {}
    const data = readPaymentData(rest)
    if (cardInput !== undefined) return this.payWithCard(rest, data, parseCardPayment(cardInput))

    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (data.amount === amount && data.currency_code === currencyCode) {
      return { data: rest } // nothing changed: the session keeps its status
    }
    if (data.transaction_id || (await this.checkoutTransaction(data))) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: the shopper already paid this session; its amount can no longer change. Refund or cancel instead."
      )
    }
    if (data.authorization_id || data.three_ds) {
      // The card authorized the old amount and is not kept: release the hold; the shopper gives the card again.
      const released = data.authorization_id ? await this.cancelPayment({ data: rest }) : { data: {} }
      return {
        status: PaymentSessionStatus.PENDING,
        data: {
          ...rest,
          amount,
          currency_code: currencyCode,
          authorization_id: null,
          authorized_at: null,
          three_ds: null,
          released_authorizations: [
            ...((rest.released_authorizations as string[] | undefined) ?? []),
            ...(data.authorization_id ? [`${data.authorization_id}:${String(released.data?.void_id ?? "")}`] : []),
          ],
        },
      }
    }
    if (data.checkout === "s2s") {
      return { status: PaymentSessionStatus.PENDING, data: { ...rest, amount, currency_code: currencyCode } }
    }
    // The gateway has no call to change or expire a link: issue a new one; the old one stops matching this session.
    const next = await this.initiatePayment({ ...input, data: { ...rest, session_id: data.session_id } })
    return { status: PaymentSessionStatus.PENDING, data: next.data }
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = readPaymentData(input.data)
    if (data.authorization_id && !data.transaction_id && !data.void_id) {
      // An abandoned checkout must not keep the shopper's funds on hold.
      try {
        return await this.cancelPayment(input)
      } catch (error) {
        this.logger_.warn(`PaymentOptions could not void authorization ${data.authorization_id} of a deleted session: ${maskPans((error as Error).message)}`)
      }
    }
    // No gateway call can expire a hosted-page link (API.md §2); nothing is charged until the shopper pays.
    return { data: input.data ?? {} }
  }

  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = readPaymentData(input.data)
    const stored = input.data ?? {}
    if (data.transaction_id) return { status: PaymentSessionStatus.CAPTURED, data: stored }
    if (data.authorization_id) return this.afterAuthorization(stored, data, input.context?.idempotency_key)
    if (data.three_ds) return this.resumeThreeDs(stored, data, input.context?.idempotency_key)

    if (data.checkout === "s2s") {
      if (!data.stored_payment_method_id) {
        return {
          status: PaymentSessionStatus.ERROR,
          data: { ...stored, last_error: { code: null, message: "No card: send a saved card token or card data before completing the cart.", response_code: null, transaction_id: null } },
        }
      }
      const kind = this.options_.captureMode === "automatic" ? "sale" : "pre_auth"
      const result = await this.startCardPayment(data, { token: data.stored_payment_method_id }, kind)
      const merged = { ...stored, ...result.data }
      return result.status === PaymentSessionStatus.AUTHORIZED
        ? this.afterAuthorization(merged, readPaymentData(merged), input.context?.idempotency_key)
        : { status: result.status, data: merged }
    }

    const envelope = await this.checkoutTransaction(data)
    if (!envelope) return { status: PaymentSessionStatus.PENDING, data: stored }
    return this.settledCheckout(stored, data, envelope, "sale", input.context?.idempotency_key)
  }

  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = readPaymentData(input.data)
    // Already captured (a sale, or an earlier capture): capturing again must not move money twice.
    if (data.transaction_id) return { data: input.data ?? {} }
    if (data.authorization_id) {
      await this.refusePartialCapture(data, input.context?.idempotency_key)
      return { data: { ...input.data, ...(await this.captureAuthorization(data, input.context?.idempotency_key)) } }
    }
    const envelope = await this.checkoutTransaction(data)
    if (envelope && outcomeOf(envelope) === "succeeded") {
      this.assertMatchesSession(envelope, data)
      return { data: { ...input.data, ...this.capturedFacts(envelope, data) } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "PaymentOptions: there is no successful PaymentOptions transaction to capture for this payment yet."
    )
  }

  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = readPaymentData(input.data)
    if (data.void_id) return { data: input.data ?? {} }
    if (data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: transaction ${data.transaction_id} is already captured; a captured payment cannot be voided, refund it instead.`
      )
    }
    if (data.authorization_id) {
      const envelope = await this.gateway(() =>
        this.client_.void({ transactionId: data.authorization_id!, merchant_id: this.options_.merchantId })
      )
      return {
        data: { ...input.data, void_id: envelope.transaction_details.id, canceled_at: new Date().toISOString() },
      }
    }
    const envelope = await this.checkoutTransaction(data)
    if (envelope && outcomeOf(envelope) === "succeeded") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: the shopper paid transaction ${envelope.transaction_details!.id}; refund it instead of canceling.`
      )
    }
    // Nothing was charged; the gateway has no call to expire a hosted-page link or an unfinished challenge.
    return { data: { ...input.data, three_ds: null, canceled_at: new Date().toISOString() } }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = readPaymentData(input.data)
    const stored = input.data ?? {}
    if (data.void_id) return { status: PaymentSessionStatus.CANCELED, data: stored }
    const id = data.transaction_id ?? data.authorization_id
    const envelope = id ? await this.gateway(() => this.client_.getTransactionStatus(id)) : await this.checkoutTransaction(data)
    if (!envelope) {
      return { status: data.three_ds ? PaymentSessionStatus.REQUIRES_MORE : PaymentSessionStatus.PENDING, data: stored }
    }
    const outcome = outcomeOf(envelope)
    if (outcome === "pending" && data.three_ds) return { status: PaymentSessionStatus.REQUIRES_MORE, data: stored }
    const captures = !!data.transaction_id || (!data.authorization_id && data.three_ds?.kind !== "pre_auth")
    return { status: sessionStatusOf(outcome, captures), data: stored }
  }

  // ------------------------------------------------------- server to server

  /** Card data from the store route: always a PRE_AUTH first, so money is only captured once the order exists. */
  protected async payWithCard(
    stored: Record<string, unknown>,
    data: PaymentOptionsData,
    card: CardPayment
  ): Promise<UpdatePaymentOutput> {
    if (this.options_.checkoutMode !== "server" || !this.options_.allowRawCardData) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        'PaymentOptions: card data is not accepted by this store (checkoutMode "server" with allowRawCardData is required).'
      )
    }
    if (data.authorization_id || data.transaction_id || data.three_ds) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "PaymentOptions: this payment session already has a card payment.")
    }
    const result = await this.startCardPayment(data, { card }, "pre_auth")
    return { status: result.status, data: { ...stored, ...result.data } }
  }

  /** One authorizationv2/paymentv2 call; declines and challenges are answers, not errors. */
  protected async startCardPayment(
    data: PaymentOptionsData,
    source: { card: CardPayment } | { token: string },
    kind: "sale" | "pre_auth"
  ): Promise<{ status: PaymentSessionStatus; data: PaymentOptionsData }> {
    const currencyCode = this.currencyOf(data)
    const body = cardPaymentBody(
      this.options_,
      { amount: normalizeAmount(data.amount, currencyCode), currencyCode, sessionId: this.sessionIdOf(data) },
      source
    )
    let answer: CardPaymentAnswer
    try {
      answer = kind === "sale" ? await this.client_.purchaseV2(body) : await this.client_.authorizeV2(body)
    } catch (error) {
      if (!(error instanceof PaymentOptionsError)) throw error
      if (error.kind === "declined" || error.kind === "invalid_request") {
        return { status: PaymentSessionStatus.ERROR, data: { last_error: errorFacts(error) } }
      }
      if (error.kind === "outcome_unknown" && error.transactionId) {
        // The gateway named the transaction: treat it as a challenge in progress and settle it from its status.
        return this.resumeThreeDsData(data, { redirect_url: "", transaction_id: error.transactionId, kind, started_at: new Date().toISOString() })
      }
      throw toMedusaError(error)
    }
    if (answer.kind === "challenge") {
      const three_ds = {
        redirect_url: answer.challenge.redirect_url,
        transaction_id: answer.challenge.transaction_details?.id ?? null,
        kind,
        started_at: new Date().toISOString(),
      }
      return { status: PaymentSessionStatus.REQUIRES_MORE, data: { three_ds, last_error: null } }
    }
    return this.succeededCardPayment(data, answer.envelope, kind)
  }

  protected succeededCardPayment(
    data: PaymentOptionsData,
    envelope: TransactionEnvelope,
    kind: "sale" | "pre_auth"
  ): { status: PaymentSessionStatus; data: PaymentOptionsData } {
    this.assertMatchesSession(envelope, data)
    const token = envelope.payment_details?.additional_data?.stored_payment_method_id
    const common: PaymentOptionsData = {
      three_ds: null,
      last_error: null,
      card: maskCard(envelope.payment_details?.card, envelope.payment_details?.scheme),
      ...(typeof token === "string" && token ? { stored_payment_method_id: token } : {}),
    }
    if (kind === "sale") {
      return { status: PaymentSessionStatus.CAPTURED, data: { ...common, ...this.capturedFacts(envelope, data) } }
    }
    return {
      status: PaymentSessionStatus.AUTHORIZED,
      data: { ...common, authorization_id: envelope.transaction_details!.id, authorized_at: envelope.transaction_details?.timestamp ?? new Date().toISOString() },
    }
  }

  /** After a 3-D Secure challenge: the shopper's result comes from Transaction Status, never from the browser. */
  protected async resumeThreeDs(
    stored: Record<string, unknown>,
    data: PaymentOptionsData,
    idempotencyKey?: string
  ): Promise<AuthorizePaymentOutput> {
    const result = await this.resumeThreeDsData(data, data.three_ds!)
    const merged = { ...stored, ...result.data }
    return result.status === PaymentSessionStatus.AUTHORIZED
      ? this.afterAuthorization(merged, readPaymentData(merged), idempotencyKey)
      : { status: result.status, data: merged }
  }

  protected async resumeThreeDsData(
    data: PaymentOptionsData,
    threeDs: NonNullable<PaymentOptionsData["three_ds"]>
  ): Promise<{ status: PaymentSessionStatus; data: PaymentOptionsData }> {
    const id = threeDs.transaction_id ?? data.webhook_transaction_id
    const waiting = { status: PaymentSessionStatus.REQUIRES_MORE, data: { three_ds: threeDs } }
    if (!id) return waiting
    let envelope: TransactionEnvelope
    try {
      envelope = await this.client_.getTransactionStatus(id)
    } catch (error) {
      if (error instanceof PaymentOptionsError && (error.kind === "not_found" || error.kind === "unavailable")) return waiting
      throw toMedusaError(error)
    }
    const outcome = outcomeOf(envelope)
    if (outcome === "pending") return { status: PaymentSessionStatus.REQUIRES_MORE, data: { three_ds: { ...threeDs, transaction_id: id } } }
    if (outcome === "declined") {
      return { status: PaymentSessionStatus.ERROR, data: { three_ds: null, last_error: gatewayFacts(envelope) } }
    }
    return this.succeededCardPayment(data, envelope, threeDs.kind)
  }

  /** An authorized payment: captured right away in automatic mode, else left for the admin's capture. */
  protected async afterAuthorization(
    stored: Record<string, unknown>,
    data: PaymentOptionsData,
    idempotencyKey?: string
  ): Promise<AuthorizePaymentOutput> {
    if (this.options_.captureMode !== "automatic") return { status: PaymentSessionStatus.AUTHORIZED, data: stored }
    return {
      status: PaymentSessionStatus.CAPTURED,
      data: { ...stored, ...(await this.captureAuthorization(data, idempotencyKey)) },
    }
  }

  /**
   * Medusa passes no amount to capturePayment, but its capture row (the idempotency key) has one. The gateway
   * captures once per authorization and releases the rest (API.md §5.4), so a partial capture would leave
   * Medusa expecting a second capture the gateway cannot make: refused, with what to do instead.
   */
  protected async refusePartialCapture(data: PaymentOptionsData, captureId?: string): Promise<void> {
    if (!captureId) return
    let capture: { amount?: unknown; raw_amount?: unknown } | undefined
    try {
      const captures = this.moduleService<{ retrieve(id: string, config?: object): Promise<any> }>("captureService")
      capture = await captures?.retrieve(captureId, { select: ["id", "amount", "raw_amount"] })
    } catch {
      return // not a capture row we can read: capture the authorized amount as Medusa asks
    }
    if (!capture) return
    const currencyCode = this.currencyOf(data)
    const asked = normalizeAmount((capture.raw_amount ?? capture.amount) as any, currencyCode)
    const authorized = normalizeAmount(data.amount, currencyCode)
    if (isGreater(authorized, asked)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions captures an authorization once and releases the rest, so a partial capture of ${asked} of ${authorized} ` +
          `${currencyCode.toUpperCase()} is refused: capture the full amount and refund the difference.`
      )
    }
  }

  /** Captures the authorized amount once; an unknown outcome is settled from Transaction Status, never resent. */
  protected async captureAuthorization(data: PaymentOptionsData, idempotencyKey?: string): Promise<PaymentOptionsData> {
    const currencyCode = this.currencyOf(data)
    const amount = normalizeAmount(data.amount, currencyCode, "authorized amount")
    try {
      const envelope = await this.client_.capture({
        transactionId: data.authorization_id!,
        amount,
        merchant_id: this.options_.merchantId,
        notes: notes("Medusa capture", idempotencyKey),
      })
      return this.capturedFacts(envelope, data)
    } catch (error) {
      if (error instanceof PaymentOptionsError && error.kind === "outcome_unknown" && error.transactionId) {
        const envelope = await settleTransaction(this.client_, error.transactionId, this.options_.refundSettleTimeoutMs, this.options_.refundSettleIntervalMs)
        if (envelope && outcomeOf(envelope) === "succeeded") return this.capturedFacts(envelope, data)
      }
      throw toMedusaError(error)
    }
  }

  /** A hosted-page sale the shopper finished: captured, declined or still pending. */
  protected settledCheckout(
    stored: Record<string, unknown>,
    data: PaymentOptionsData,
    envelope: TransactionEnvelope,
    kind: "sale" | "pre_auth",
    idempotencyKey?: string
  ): AuthorizePaymentOutput | Promise<AuthorizePaymentOutput> {
    const outcome = outcomeOf(envelope)
    if (outcome !== "succeeded") {
      return { status: sessionStatusOf(outcome, true), data: { ...stored, last_error: gatewayFacts(envelope) } }
    }
    const result = this.succeededCardPayment(data, envelope, kind)
    const merged = { ...stored, ...result.data }
    return result.status === PaymentSessionStatus.AUTHORIZED
      ? this.afterAuthorization(merged, readPaymentData(merged), idempotencyKey)
      : { status: result.status, data: merged }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = readPaymentData(input.data)
    const id = data.transaction_id ?? data.authorization_id
    const envelope = id ? await this.gateway(() => this.client_.getTransactionStatus(id)) : await this.checkoutTransaction(data)
    if (!envelope) return { data: input.data ?? {} }
    return {
      data: {
        ...input.data,
        gateway_status: { outcome: outcomeOf(envelope), ...gatewayFacts(envelope), checked_at: new Date().toISOString() },
      },
    }
  }

  // ------------------------------------------------------------------ refund

  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const data = readPaymentData(input.data)
    const refundId = input.context?.idempotency_key ?? `po_refund_${randomUUID()}`
    const currencyCode = this.currencyOf(data)
    if (!data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: this payment has no captured PaymentOptions transaction (no transaction_id in its data); capture it before refunding."
      )
    }
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (!isPositive(amount)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `PaymentOptions: a refund must be positive; got ${amount} ${currencyCode.toUpperCase()} after rounding to the currency's decimals.`
      )
    }

    const refunds: Record<string, RefundRecord> = { ...(data.refunds ?? {}) }
    if (refunds[refundId]?.status === "succeeded") {
      // The same Medusa refund again: it is done; never refund it a second time.
      return { data: this.withLedger(input.data, refunds, currencyCode) }
    }

    if (pendingRefundIds(refunds).length) await settlePendingRefunds(this.client_, refunds, this.logger_)
    const unsettled = pendingRefundIds(refunds)
    if (unsettled.length) {
      const facts = unsettled.map((id) => `${id}${refunds[id].transaction_id ? ` (gateway transaction ${refunds[id].transaction_id})` : " (no gateway transaction id)"}`)
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: refund ${facts.join(", ")} on this payment still has an unknown outcome at the gateway. ` +
          "Further refunds are refused until it is settled: check it in the PaymentOptions portal (its notes carry the Medusa refund id)."
      )
    }

    const captured = normalizeAmount(data.amount, currencyCode, "captured amount")
    const remaining = subtractAmounts(captured, refundedTotal(refunds, currencyCode), currencyCode)
    if (isGreater(amount, remaining)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `PaymentOptions: cannot refund ${amount} ${currencyCode.toUpperCase()}; only ${remaining} remains refundable on transaction ${data.transaction_id}.`
      )
    }

    refunds[refundId] = await this.sendRefund(data.transaction_id, amount, currencyCode, refundId)
    return { data: this.withLedger(input.data, refunds, currencyCode) }
  }

  /** Sends one refund; an unknown outcome becomes a pending record, never a second request. */
  protected async sendRefund(
    transactionId: string,
    amount: string,
    currencyCode: string,
    refundId: string
  ): Promise<RefundRecord> {
    const base = { amount, currency_code: currencyCode, created_at: new Date().toISOString() }
    try {
      const envelope = await this.client_.refund({
        transactionId,
        amount,
        merchant_id: this.options_.merchantId,
        notes: notes("Medusa refund", refundId),
      })
      return {
        ...refundFacts(envelope, "succeeded"),
        amount,
        currency_code: currencyCode,
        created_at: envelope.transaction_details.timestamp ?? base.created_at,
      }
    } catch (error) {
      if (!(error instanceof PaymentOptionsError) || error.kind !== "outcome_unknown") throw toMedusaError(error)

      const pending: RefundRecord = {
        ...base,
        ref: null,
        transaction_id: error.transactionId ?? null,
        status: "pending",
        code: error.code ?? null,
        message: error.gatewayMessage ?? error.message,
      }
      if (pending.transaction_id) {
        const envelope = await settleTransaction(
          this.client_,
          pending.transaction_id,
          this.options_.refundSettleTimeoutMs,
          this.options_.refundSettleIntervalMs
        )
        const outcome = envelope ? outcomeOf(envelope) : "pending"
        if (outcome === "declined") {
          // The gateway confirms nothing was refunded: fail, so Medusa drops its refund row.
          throw new MedusaError(
            MedusaError.Types.NOT_ALLOWED,
            `PaymentOptions refund was declined (${describeEnvelope(envelope!)}; transaction ${pending.transaction_id}).`
          )
        }
        if (envelope && outcome === "succeeded") {
          return { ...base, ...refundFacts(envelope, "succeeded"), settled_at: new Date().toISOString() }
        }
      }
      this.logger_.warn(
        `PaymentOptions refund ${refundId} of ${amount} ${currencyCode.toUpperCase()} on transaction ${transactionId} has an unknown outcome ` +
          `(${maskPans(error.message)}); recorded as pending. It was NOT resent; further refunds on this payment are refused until it is settled.`
      )
      return pending
    }
  }

  protected withLedger(
    input: Record<string, unknown> | undefined,
    refunds: Record<string, RefundRecord>,
    currencyCode: string
  ): Record<string, unknown> {
    return { ...(input ?? {}), refunds, refunded_amount: refundedTotal(refunds, currencyCode) }
  }

  // ---------------------------------------------------------------- webhooks

  async getWebhookActionAndData(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    return webhookAction(
      {
        client: this.client_,
        options: this.options_,
        logger: this.logger_,
        sessions: this.moduleService<PaymentSessions>("paymentSessionService"),
        payments: this.moduleService<PaymentRecords>("paymentService"),
      },
      payload
    )
  }

  /** One of the payment module's own services, from the provider's container (absent in narrow tests). */
  protected moduleService<T>(name: string): T | null {
    try {
      return (this.container as Record<string, any>)[name] ?? null
    } catch {
      return null
    }
  }

  // ----------------------------------------------------------------- helpers

  /** The transaction the shopper created on the hosted page, or null if there is none yet. */
  protected async checkoutTransaction(data: PaymentOptionsData): Promise<TransactionEnvelope | null> {
    // API.md §5.8 calls the link id the "transaction reference ID", so the sale is looked up by it first;
    // if the gateway gives the sale another id, the verified webhook recorded it on the session.
    for (const id of [data.hpp_link_id, data.webhook_transaction_id]) {
      if (!id) continue
      try {
        return await this.client_.getTransactionStatus(id)
      } catch (error) {
        if (error instanceof PaymentOptionsError && error.kind === "not_found") continue
        throw toMedusaError(error)
      }
    }
    return null
  }

  protected capturedFacts(envelope: SuccessEnvelope | TransactionEnvelope, data: PaymentOptionsData): PaymentOptionsData {
    const details = envelope.transaction_details!
    const currencyCode = this.currencyOf(data)
    const paid = envelope.payment_details?.amount
    return {
      transaction_id: details.id,
      transaction_ref: details.ref === null || details.ref === undefined ? null : String(details.ref),
      amount: paid === null || paid === undefined ? normalizeAmount(data.amount, currencyCode) : normalizeAmount(paid, currencyCode),
      card: maskCard(envelope.payment_details?.card, envelope.payment_details?.scheme),
      captured_at: details.timestamp ?? new Date().toISOString(),
      refunded_amount: data.refunded_amount ?? normalizeAmount(0, currencyCode),
    }
  }

  /** Refuses a gateway transaction that is not the one this session asked for (amount, currency, reference). */
  protected assertMatchesSession(envelope: TransactionEnvelope, data: PaymentOptionsData): void {
    const currencyCode = this.currencyOf(data)
    const paid = envelope.payment_details?.amount
    const currency = envelope.payment_details?.currency
    const ref = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
    const problems = [
      paid !== null && paid !== undefined && normalizeAmount(paid, currencyCode) !== normalizeAmount(data.amount, currencyCode)
        ? `amount ${paid} instead of ${data.amount}`
        : null,
      currency && currency.toLowerCase() !== currencyCode ? `currency ${currency}` : null,
      ref && data.merchant_txn_ref && ref !== data.merchant_txn_ref ? `reference ${ref}` : null,
    ].filter(Boolean)
    if (problems.length) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions transaction ${envelope.transaction_details?.id} does not match this payment session (${problems.join(", ")}); not accepted.`
      )
    }
  }

  protected sessionIdOf(data: PaymentOptionsData): string {
    const id = data.merchant_txn_ref ?? data.session_id
    if (!id) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: the payment data has no session id; it was not created by this provider.")
    }
    return id
  }

  protected currencyOf(data: PaymentOptionsData): string {
    const code = data.currency_code
    if (!code) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: the payment data has no currency_code; it was not created by this provider.")
    }
    currencyDecimals(code)
    return code.toLowerCase()
  }

  /** Runs a gateway call, turning its errors into MedusaErrors. */
  protected async gateway<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw toMedusaError(error)
    }
  }
}

function gatewayFacts(envelope: TransactionEnvelope) {
  return {
    code: envelope.gateway_response.code,
    message: envelope.gateway_response.message ? maskPans(envelope.gateway_response.message) : null,
    response_code: envelope.payment_details?.response_code ?? null,
    transaction_id: envelope.transaction_details?.id ?? null,
  }
}

function errorFacts(error: PaymentOptionsError) {
  return {
    code: error.code ?? null,
    message: error.gatewayMessage ?? error.message,
    response_code: error.responseCode ?? null,
    transaction_id: error.transactionId ?? null,
  }
}

function describeEnvelope(envelope: TransactionEnvelope): string {
  const f = gatewayFacts(envelope)
  return [f.code && `code ${f.code}`, f.message && `"${f.message}"`, f.response_code !== null && `response code ${f.response_code}`]
    .filter(Boolean)
    .join(", ")
}

function notes(prefix: string, id: string | undefined): string | undefined {
  return id ? `${prefix} ${id}`.slice(0, NOTES_MAX) : undefined
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value.length ? value : undefined
}

export default PaymentOptionsProviderService
