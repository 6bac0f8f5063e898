/// A stranger canister for the reliability tests: forwards raw Candid calls, so a test can
/// call a BigMap canister from a canister principal (where `canister_inspect_message` does
/// not run, and only the method's own caller check stands).
import Error "mo:core/Error";
import IC "mo:core/InternetComputer";

persistent actor Relay {
  /// Calls `method` of `target` with `arg`; the reply bytes, or the reject message.
  public func relay(target : Principal, method : Text, arg : Blob) : async { #ok : Blob; #err : Text } {
    try { #ok(await IC.call(target, method, arg)) } catch (e) { #err(Error.message(e)) };
  };
};
