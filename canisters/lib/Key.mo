/// Key encoding: how a BigMap key is routed to a slot and laid out as the ordered-map key a
/// data canister stores. The Motoko twin of `sharding/key.ts`; `sharding/vectors.json` proves
/// that both produce the same slots, bytes and error texts.
///
/// A key is `(collection, partition, sort)`: a collection name, a partition key and a sort
/// key (may be empty). Only the collection and partition are hashed, so all items of one
/// partition live in one slot:
///
/// ```
/// slot = xxh64(utf8(collection) # 0x00 # partition, seed 0) >> 48        (top 16 bits)
/// ```
///
/// Stored key (the data canister's map key):
///
/// ```
/// +--------+-------+---------------+--------+-------------+----------+
/// | slot   | c_len | collection    | p_len  | partition   | sort     |
/// | u16 BE | u8    | 1..255 bytes  | u16 BE | 0..1024     | the rest |
/// +--------+-------+---------------+--------+-------------+----------+
/// ```
///
/// The slot comes first, so each slot is one contiguous key range (`slotRange`), which is
/// how migration copies it. Collection and partition are length-prefixed, so one partition
/// is one prefix (`partitionPrefix`), and the sort key is last, so inside a partition the
/// map's order is the sort keys' bytewise order (`partitionRange`). Changing the layout, the
/// hash, the seed or the slot count remaps every stored key.
///
/// Expected failures (a key breaking a limit, bytes that are not a key) return `#err` with
/// a message naming the limit and the actual size; nothing here traps on user input.
///
/// Example:
/// ```motoko
/// import Key "Key";
///
/// assert Key.encodeKey("users", "alice", "") == #ok("\07\54\05users\00\05alice");
/// assert Key.decodeKey("\07\54\05users\00\05alice") == #ok({ slot = 1876; collection = "users"; partition = "alice"; sort = "" });
/// ```

import Blob "mo:core/Blob";
import Nat "mo:core/Nat";
import Nat8 "mo:core/Nat8";
import Nat16 "mo:core/Nat16";
import Result "mo:core/Result";
import Runtime "mo:core/Runtime";
import Text "mo:core/Text";
import VarArray "mo:core/VarArray";
import XxHash64 "XxHash64";

module {
  /// A slot number, `0 .. slotCount - 1`.
  public type Slot = Nat16;

  /// Number of slots. Fixed: changing it remaps every key.
  public let slotCount : Nat = 65_536;

  /// A collection name is at most 255 UTF-8 bytes, because its length is stored in one byte.
  public let maxCollectionBytes : Nat = 255;

  /// A partition key is at most 1024 bytes: room for composite ids and hashes, small next
  /// to the values it labels.
  public let maxPartitionBytes : Nat = 1024;

  /// An encoded key is at most 2048 bytes, framing included, so a batch of keys stays far
  /// below the IC's 2 MiB message limit and map comparisons stay bounded.
  public let maxKeyBytes : Nat = 2048;

  /// Framing bytes in every encoded key: slot (2), collection length (1), partition length (2).
  public let keyFramingBytes : Nat = 5;

  /// A stored key taken apart; `slot` is read from the encoding, not recomputed.
  public type Key = { slot : Slot; collection : Text; partition : Blob; sort : Blob };

  /// A range of encoded keys: `start` inclusive, `end` exclusive, compared bytewise.
  public type KeyRange = { start : Blob; end : Blob };

  /// Checks the key rules in this order: collection non-empty, at most `maxCollectionBytes`,
  /// free of 0x00; partition at most `maxPartitionBytes`; encoded key at most `maxKeyBytes`.
  /// Returns the first broken rule as `#err`.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.validate("users", "alice", "") == #ok;
  /// assert Key.validate("", "", "") == #err("collection is empty; it needs 1 to 255 UTF-8 bytes (MAX_COLLECTION_BYTES)");
  /// ```
  ///
  /// Runtime: `O(c)`.
  /// Space: `O(c)`.
  /// where `c` denotes the collection's size in bytes.
  public func validate(collection : Text, partition : Blob, sort : Blob) : Result.Result<(), Text> {
    validateParts(Text.encodeUtf8(collection), partition, sort.size())
  };

  /// The slot of `(collection, partition)`: the top 16 bits of
  /// `xxh64(utf8(collection) # 0x00 # partition, seed 0)`; `#err` if either breaks a key rule.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.slotOf("users", "alice") == #ok(1876);
  /// ```
  ///
  /// Runtime: `O(c + p)`.
  /// Space: `O(c + p)`.
  /// where `c` and `p` denote the sizes of the collection and partition in bytes.
  public func slotOf(collection : Text, partition : Blob) : Result.Result<Slot, Text> {
    let collectionBytes = Text.encodeUtf8(collection);
    switch (validateParts(collectionBytes, partition, 0)) {
      case (#err(message)) #err(message);
      case (#ok) #ok(slotOfParts(collectionBytes, partition));
    };
  };

  /// The stored form of a key: `u16be(slot) # u8(c_len) # collection # u16be(p_len) # partition # sort`;
  /// `#err` naming the broken limit and the actual size.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.encodeKey("users", "alice", "\01") == #ok("\07\54\05users\00\05alice\01");
  /// ```
  ///
  /// Runtime: `O(k)`.
  /// Space: `O(k)`.
  /// where `k` denotes the size of the encoded key in bytes.
  public func encodeKey(collection : Text, partition : Blob, sort : Blob) : Result.Result<Blob, Text> {
    let collectionBytes = Text.encodeUtf8(collection);
    switch (validateParts(collectionBytes, partition, sort.size())) {
      case (#err(message)) #err(message);
      case (#ok) #ok(concat([prefixOf(collectionBytes, partition), sort]));
    };
  };

  /// Takes a stored key apart; `#err` if the framing is truncated, the collection is not
  /// UTF-8, or a key rule is broken. Does not recompute the hash: a key whose slot bytes
  /// were altered decodes with the altered slot.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.decodeKey("\07") == #err("key is truncated: 1 bytes, its header needs 5");
  /// ```
  ///
  /// Runtime: `O(k)`.
  /// Space: `O(k)`.
  /// where `k` denotes the size of `key` in bytes.
  public func decodeKey(key : Blob) : Result.Result<Key, Text> {
    let size = key.size();
    if (size < keyFramingBytes) return #err(truncated(size, keyFramingBytes));
    let collectionEnd = 3 + Nat8.toNat(key.get(2));
    let partitionStart = collectionEnd + 2;
    if (size < partitionStart) return #err(truncated(size, partitionStart));
    let partitionEnd = partitionStart + Nat8.toNat(key.get(collectionEnd)) * 256 + Nat8.toNat(key.get(collectionEnd + 1));
    if (size < partitionEnd) return #err(truncated(size, partitionEnd));

    let collectionBytes = slice(key, 3, collectionEnd);
    let ?collection = Text.decodeUtf8(collectionBytes) else return #err("collection is not valid UTF-8");
    let partition = slice(key, partitionStart, partitionEnd);
    let sort = slice(key, partitionEnd, size);
    switch (validateParts(collectionBytes, partition, sort.size())) {
      case (#err(message)) #err(message);
      case (#ok) {
        let slot = Nat16.fromNat(Nat8.toNat(key.get(0)) * 256 + Nat8.toNat(key.get(1)));
        #ok({ slot; collection; partition; sort });
      };
    };
  };

  /// The bytes every stored key of `(collection, partition)` starts with, and no other key
  /// does; `#err` if either breaks a key rule.
  ///
  /// Runtime: `O(c + p)`.
  /// Space: `O(c + p)`.
  /// where `c` and `p` denote the sizes of the collection and partition in bytes.
  public func partitionPrefix(collection : Text, partition : Blob) : Result.Result<Blob, Text> {
    let collectionBytes = Text.encodeUtf8(collection);
    switch (validateParts(collectionBytes, partition, 0)) {
      case (#err(message)) #err(message);
      case (#ok) #ok(prefixOf(collectionBytes, partition));
    };
  };

  /// The stored-key range holding the items of one partition whose sort key is in
  /// `[from, to)`. `from = null` starts at the partition's first key; `to = null` ends after
  /// its last key (at the successor of the partition prefix). If `from >= to` the range is
  /// empty. Bounds are not held to `maxKeyBytes`: a bound need not be a key.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.partitionRange("users", "alice", null, null) == #ok({ start = "\07\54\05users\00\05alice"; end = "\07\54\05users\00\05alicf" });
  /// ```
  ///
  /// Runtime: `O(c + p + b)`.
  /// Space: `O(c + p + b)`.
  /// where `c`, `p` and `b` denote the sizes of the collection, partition and bounds in bytes.
  public func partitionRange(collection : Text, partition : Blob, from : ?Blob, to : ?Blob) : Result.Result<KeyRange, Text> {
    switch (partitionPrefix(collection, partition)) {
      case (#err(message)) #err(message);
      case (#ok(prefix)) {
        let start = switch from { case null prefix; case (?bound) concat([prefix, bound]) };
        let end = switch to { case null prefixSuccessor(prefix); case (?bound) concat([prefix, bound]) };
        #ok({ start; end });
      };
    };
  };

  /// The stored-key range holding exactly the keys of `slot`:
  /// `[u16be(slot), u16be(slot) # 0xFF 0xFF)`. The end bounds the slot because after the slot
  /// comes the collection length (at most 0xFF) and, if that is 0xFF, the collection's first
  /// byte, which is UTF-8 and so never 0xFF.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert Key.slotRange(1876) == { start = "\07\54"; end = "\07\54\ff\ff" };
  /// ```
  ///
  /// Runtime: `O(1)`.
  /// Space: `O(1)`.
  public func slotRange(slot : Slot) : KeyRange {
    let start = u16be(Nat16.toNat(slot));
    { start; end = concat([start, "\ff\ff"]) };
  };

  // Private: validation and assembly. Messages match `sharding/key.ts` byte for byte.

  func validateParts(collectionBytes : Blob, partition : Blob, sortBytes : Nat) : Result.Result<(), Text> {
    let collectionSize = collectionBytes.size();
    if (collectionSize == 0) {
      return #err("collection is empty; it needs 1 to " # Nat.toText(maxCollectionBytes) # " UTF-8 bytes (MAX_COLLECTION_BYTES)");
    };
    if (collectionSize > maxCollectionBytes) {
      return #err("collection is " # Nat.toText(collectionSize) # " UTF-8 bytes; the limit is MAX_COLLECTION_BYTES = " # Nat.toText(maxCollectionBytes));
    };
    var offset = 0;
    for (byte in collectionBytes.values()) {
      if (byte == 0) {
        return #err("collection has a 0x00 byte at offset " # Nat.toText(offset) # "; 0x00 separates collection from partition in the slot hash");
      };
      offset += 1;
    };
    if (partition.size() > maxPartitionBytes) {
      return #err("partition is " # Nat.toText(partition.size()) # " bytes; the limit is MAX_PARTITION_BYTES = " # Nat.toText(maxPartitionBytes));
    };
    let keyBytes = keyFramingBytes + collectionSize + partition.size() + sortBytes;
    if (keyBytes > maxKeyBytes) {
      return #err(
        "encoded key is " # Nat.toText(keyBytes) # " bytes; the limit is MAX_KEY_BYTES = " # Nat.toText(maxKeyBytes)
        # " (" # Nat.toText(keyFramingBytes) # " bytes of framing + collection + partition + sort)"
      );
    };
    #ok;
  };

  func slotOfParts(collectionBytes : Blob, partition : Blob) : Slot {
    Nat16.fromNat64(XxHash64.hash(concat([collectionBytes, "\00", partition]), 0) >> 48);
  };

  /// `u16be(slot) # u8(c_len) # collection # u16be(p_len) # partition`.
  func prefixOf(collectionBytes : Blob, partition : Blob) : Blob {
    concat([
      u16be(Nat16.toNat(slotOfParts(collectionBytes, partition))),
      Blob.fromArray([Nat8.fromNat(collectionBytes.size())]),
      collectionBytes,
      u16be(partition.size()),
      partition,
    ]);
  };

  /// The smallest byte string above every string starting with `prefix`: drop trailing
  /// 0xFF bytes, add one to the last byte. A partition prefix always has a byte below 0xFF
  /// (the partition length's high byte is at most 0x04), so the trap marks a broken invariant.
  func prefixSuccessor(prefix : Blob) : Blob {
    let bytes = Blob.toVarArray(prefix);
    var lastBelowFF : ?Nat = null;
    for (i in bytes.keys()) if (bytes[i] != 0xff) lastBelowFF := ?i;
    let ?last = lastBelowFF else Runtime.trap("Invariant broken: a partition prefix has a byte other than 0xFF");
    bytes[last] += 1;
    Blob.fromArray(VarArray.sliceToArray(bytes, 0, last + 1));
  };

  /// 2 bytes big-endian. REQUIRES: `value < 2^16`.
  func u16be(value : Nat) : Blob {
    Blob.fromArray([Nat8.fromNat(value / 256), Nat8.fromNat(value % 256)]);
  };

  func concat(parts : [Blob]) : Blob {
    var size = 0;
    for (part in parts.values()) size += part.size();
    let out = VarArray.repeat<Nat8>(0, size);
    var offset = 0;
    for (part in parts.values()) {
      for (byte in part.values()) {
        out[offset] := byte;
        offset += 1;
      };
    };
    Blob.fromVarArray(out);
  };

  /// Bytes `[start, end)` of `blob`. REQUIRES: `start <= end <= blob.size()`.
  func slice(blob : Blob, start : Nat, end : Nat) : Blob {
    Blob.fromArray(VarArray.sliceToArray(Blob.toVarArray(blob), start, end));
  };

  func truncated(actualBytes : Nat, neededBytes : Nat) : Text {
    "key is truncated: " # Nat.toText(actualBytes) # " bytes, its header needs " # Nat.toText(neededBytes);
  };
};
