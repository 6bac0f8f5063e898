/// An actor class spawned and upgraded by Parent.
persistent actor class Child(initial : Nat) {
  var value : Nat = initial;

  public func add(n : Nat) : async Nat {
    value += n;
    value;
  };

  public query func get() : async Nat { value };
};
