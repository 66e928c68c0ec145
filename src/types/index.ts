/**
 * Public types of medusa-payment-paymentoptions, for a store's medusa-config.ts:
 *
 *   import type { PaymentOptionsOptions } from "medusa-payment-paymentoptions/types"
 *   …
 *   options: { apiKey: …, xApiKey: …, merchantId: … } satisfies PaymentOptionsOptions,
 *
 * The declarations are emitted by `npm run build` (tsconfig.types.json) next to the compiled code.
 */
export type { PaymentOptionsOptions } from "../providers/paymentoptions/options"
