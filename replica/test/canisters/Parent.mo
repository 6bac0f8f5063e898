/// Spawns Child canisters with cycles, calls them and upgrades them (actor classes end to end).
import Child "Child";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";

persistent actor Parent {
  var children : [Child.Child] = [];

  public func spawn(initial : Nat) : async Principal {
    let child = await (with cycles = 1_000_000_000_000) Child.Child(initial);
    children := [child];
    Principal.fromActor(child);
  };

  public func addToChild(n : Nat) : async Nat {
    await first().add(n);
  };

  public func upgradeChild() : async () {
    ignore await (system Child.Child)(#upgrade(first()))(0);
  };

  func first() : Child.Child {
    if (children.size() == 0) Runtime.trap("no child spawned yet");
    children[0];
  };
};
