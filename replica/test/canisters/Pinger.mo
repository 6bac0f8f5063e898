/// The caller of the ping-pong tests: replies, rejects, traps on either side, cleanup.
import Error "mo:core/Error";
import Runtime "mo:core/Runtime";
import Principal "mo:core/Principal";
import Blob "mo:core/Blob";
import Array "mo:core/Array";
import Nat8 "mo:core/Nat8";

persistent actor Pinger {
  type Ponger = actor {
    pong : Nat -> async Nat;
    refuse : Text -> async Nat;
    explode : () -> async Nat;
    slow : Nat -> async Nat;
    sink : Blob -> async Nat;
  };

  var beforeAwait : Nat = 0;
  var afterAwait : Nat = 0;
  var cleanedUp : Nat = 0;

  func ponger(p : Principal) : Ponger = actor (Principal.toText(p));

  public func ping(p : Principal, n : Nat) : async Nat {
    await ponger(p).pong(n);
  };

  /// Returns the reject the callee made, as "code:message".
  public func pingRefused(p : Principal, message : Text) : async Text {
    try {
      ignore await ponger(p).refuse(message);
      "no error";
    } catch (e) {
      debug_show (Error.code(e)) # ":" # Error.message(e);
    };
  };

  /// The callee traps; the error propagates to our caller unchanged in kind.
  public func pingExplode(p : Principal) : async Nat {
    await ponger(p).explode();
  };

  /// Commits before the await, traps after it; the finally block runs as cleanup.
  public func trapAfterAwait(p : Principal) : async () {
    beforeAwait += 1;
    try {
      ignore await ponger(p).pong(1);
      afterAwait += 1;
      Runtime.trap("trap in the callback");
    } finally {
      cleanedUp += 1;
    };
  };

  public query func counters() : async (Nat, Nat, Nat) { (beforeAwait, afterAwait, cleanedUp) };

  public func pingSlow(p : Principal, rounds : Nat) : async Nat {
    await ponger(p).slow(rounds);
  };

  /// Sends `n` bytes in one inter-canister call.
  public func sendBlob(p : Principal, n : Nat) : async Nat {
    await ponger(p).sink(Blob.fromArray(Array.repeat<Nat8>(7, n)));
  };
};
