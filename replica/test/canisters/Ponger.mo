/// The callee of the ping-pong tests.
import Error "mo:core/Error";
import Runtime "mo:core/Runtime";

persistent actor Ponger {
  var received : Nat = 0;

  public func pong(n : Nat) : async Nat {
    received += 1;
    n + 1;
  };

  public func refuse(message : Text) : async Nat {
    throw Error.reject(message);
  };

  public func explode() : async Nat {
    Runtime.trap("ponger exploded");
  };

  /// Answers only after `rounds` self-calls, so the caller's call stays open meanwhile.
  public func slow(rounds : Nat) : async Nat {
    var i = 0;
    while (i < rounds) {
      await async {};
      i += 1;
    };
    rounds;
  };

  public func sink(_data : Blob) : async Nat { received += 1; received };

  public query func count() : async Nat { received };
};
