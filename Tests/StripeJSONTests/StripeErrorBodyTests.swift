import StripeJSON
import Testing

/// `StripeErrorBody`: the message of Stripe's error answers.
@Suite struct StripeErrorBodyTests {
    /// `error.message` when it is a string; `nil` for anything else, or for text that is not JSON.
    @Test func messageIsReadOnlyFromAStringErrorMessage() {
        func message(_ text: String) -> String? { StripeErrorBody.message(in: Array(text.utf8)) }
        #expect(message(#"{"error":{"type":"invalid_request_error","message":"No such subscription: 'sub_1'"}}"#)
            == "No such subscription: 'sub_1'")
        #expect(message(#"{"error":{"message":"a\n\u00e9"}}"#) == "a\né")
        for text in [#"{"error":{"message":5}}"#, #"{"error":"boom"}"#, #"{"message":"x"}"#, "[]", "", #"{"error":{"message":"x"}"#,
                     "<html>502</html>"] {
            #expect(message(text) == nil, "\(text)")
        }
    }
}
