import { maskCard, maskPans } from "../src/providers/paymentoptions/masking"

describe("card masking", () => {
  it("keeps scheme, last 4 and expiry only", () => {
    const masked = maskCard({ name: "TARO YAMADA", number: "5200000000001005", exp_month: "12", exp_year: "30" }, "MASTERCARD")
    expect(masked).toEqual({ scheme: "MASTERCARD", last4: "1005", exp_month: "12", exp_year: "30" })
    expect(JSON.stringify(masked)).not.toContain("520000")
    expect(JSON.stringify(masked)).not.toContain("TARO")
  })

  it("handles an already-masked or missing number", () => {
    expect(maskCard({ number: "545454******5454" }, "VISA")?.last4).toBe("5454")
    expect(maskCard({ number: null }, "VISA")?.last4).toBeNull()
    expect(maskCard(null, null)).toBeNull()
  })

  it("masks card numbers inside free text", () => {
    expect(maskPans("card 4111111111111111 declined")).toBe("card ************1111 declined")
    expect(maskPans("card 4111 1111 1111 1111 declined")).toBe("card ************1111 declined")
    expect(maskPans("ref 74811 amount 1000")).toBe("ref 74811 amount 1000")
  })
})
