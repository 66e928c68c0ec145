import { MathBN } from "@medusajs/framework/utils"
import { fromUnits, plainValue, ROUND_HALF_UP, toUnits } from "../src/providers/paymentoptions/money"

/**
 * The refund path does its arithmetic in whole smallest units when the amounts are plain decimals (money.ts
 * toUnits/fromUnits). Wherever that applies it must agree with BigNumber exactly; elsewhere it must decline.
 */
describe("amounts in whole smallest units", () => {
  const samples: unknown[] = [
    "0", "1", "7", "10", "0007", "12.5", "12.50", "12.345", "0.01", "0.1", "1000000", "9007199254740991", "9007199254740992",
    "1e3", "-1", "-0", "+1", " 1", "1 ", "1.", ".5", "", "abc", "1,000", "12.3456",
    0, 1, 5, 12.5, 0.1 + 0.2, 1e21, 1e-7, -1, -0, NaN, Infinity, 2 ** 53, 2 ** 53 + 2,
    null, undefined, true, {}, [],
  ]

  it.each([0, 2, 3])("agrees with BigNumber where it applies (%i decimals)", (decimals) => {
    let applied = 0
    for (const value of samples) {
      const units = toUnits(value, decimals)
      if (units === undefined) continue
      applied++
      const exact = MathBN.convert(value as any)
      // Defined only when exact: no rounding happened, and the text is what toFixed gives.
      expect(exact.isEqualTo(MathBN.convert(fromUnits(units, decimals)))).toBe(true)
      expect(fromUnits(units, decimals)).toBe(exact.toFixed(decimals, ROUND_HALF_UP))
      expect(Number.isSafeInteger(units) && units >= 0).toBe(true)
    }
    expect(applied).toBeGreaterThan(8)
  })

  it("declines what needs rounding, exponents, signs, other types and what is beyond 2^53", () => {
    for (const value of ["12.345", "1e3", "-1", "+1", " 1", "1.", ".5", "", "9007199254740992", 1e21, 1e-7, -1, NaN, null, {}, true]) {
      expect(toUnits(value, 2)).toBeUndefined()
    }
    expect(toUnits("12.345", 3)).toBe(12345)
    expect(toUnits(-0, 0)).toBe(0)
  })

  it("agrees with BigNumber on random plain decimals and their sums", () => {
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let n = 0; n < 5000; n++) {
      const decimals = [0, 2, 3][n % 3]
      const digits = Math.floor(random() * 14) + 1
      const whole = String(Math.floor(random() * 10 ** digits))
      const fractionDigits = Math.floor(random() * (decimals + 2))
      const fraction = fractionDigits ? String(Math.floor(random() * 10 ** fractionDigits)).padStart(fractionDigits, "0") : ""
      const a = fraction ? `${whole}.${fraction}` : whole
      const b = String(Math.floor(random() * 10 ** 6))
      const ua = toUnits(a, decimals)
      const ub = toUnits(b, decimals)
      if (ua === undefined || ub === undefined) {
        expect(fractionDigits > decimals || !Number.isSafeInteger(Number(whole) * 10 ** decimals)).toBe(true)
        continue
      }
      expect(fromUnits(ua, decimals)).toBe(MathBN.convert(a).toFixed(decimals, ROUND_HALF_UP))
      if (Number.isSafeInteger(ua + ub)) expect(fromUnits(ua + ub, decimals)).toBe(MathBN.add(a, b).toFixed(decimals, ROUND_HALF_UP))
      if (ua >= ub) expect(fromUnits(ua - ub, decimals)).toBe(MathBN.sub(a, b).toFixed(decimals, ROUND_HALF_UP))
    }
  })

  it("reads Medusa's raw amounts ({ value, precision }) as MathBN.convert does", () => {
    expect(plainValue({ value: "400", precision: 20 } as any)).toBe("400")
    expect(plainValue(400)).toBe(400)
    expect(plainValue("400")).toBe("400")
    const bn = MathBN.convert(400)
    expect(plainValue(bn as any)).toBe(bn)
  })
})
