/// A canister that holds N MiB of live heap (ballast) and answers a small update: what
/// bench/metering.bench.ts uses to show that a message's cost on the replica does not
/// grow with the canister's memory.
import Region "mo:core/Region";
import List "mo:core/List";

persistent actor Ballast {
  /// 1 MiB of stable memory to copy each ballast blob from (one ic0.stable64_read each:
  /// the host writes every page of the blob, so the pages are real, not just reserved).
  let source = Region.new();
  ignore Region.grow(source, 16);

  let ballast = List.empty<Blob>();
  var count : Nat = 0;

  /// Adds `mib` MiB of ballast (1 MiB blobs kept in a stable List); returns the total MiB.
  public func grow(mib : Nat) : async Nat {
    var i = 0;
    while (i < mib) {
      List.add(ballast, Region.loadBlob(source, 0, 1_048_576));
      i += 1;
    };
    List.size(ballast);
  };

  /// The small update whose cost is measured.
  public func inc() : async Nat {
    count += 1;
    count;
  };

  public query func ballastMiB() : async Nat { List.size(ballast) };
};
