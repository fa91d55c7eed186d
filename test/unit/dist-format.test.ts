// The release build's format check (scripts/dist/sea.ts), which is all that is checked of the executables that
// cannot run here (Windows, macOS, arm64): headers of each format and architecture are told apart, an executable
// without the injected blob or with the SEA fuse unset is refused.
import { describe, expect, it } from "vitest";
import { checkExecutable, checkHeader, SEA_FUSE } from "../../scripts/dist/sea.ts";
import { targetNamed } from "../../scripts/dist/targets.ts";

function elf(machine: number): Buffer {
  const file = Buffer.alloc(64);
  file.writeUInt32BE(0x7f454c46, 0);
  file.writeUInt16LE(machine, 18);
  return file;
}

function macho(cpu: number): Buffer {
  const file = Buffer.alloc(32);
  file.writeUInt32LE(0xfeedfacf, 0);
  file.writeUInt32LE(cpu, 4);
  return file;
}

function pe(machine: number): Buffer {
  const file = Buffer.alloc(0x100);
  file.write("MZ", 0, "latin1");
  file.writeUInt32LE(0x80, 0x3c);
  file.writeUInt32BE(0x50450000, 0x80);
  file.writeUInt16LE(machine, 0x84);
  return file;
}

describe("checkHeader", () => {
  it.each([
    ["linux-x64", elf(0x3e)],
    ["linux-arm64", elf(0xb7)],
    ["darwin-x64", macho(0x01000007)],
    ["darwin-arm64", macho(0x0100000c)],
    ["win-x64", pe(0x8664)],
  ])("accepts a %s header", (name, header) => {
    expect(() => checkHeader(header, targetNamed(name))).not.toThrow();
  });

  it.each([
    ["linux-arm64", elf(0x3e), "ELF machine 0x3e is not arm64"],
    ["linux-x64", macho(0x01000007), "not an ELF file"],
    ["darwin-arm64", macho(0x01000007), "Mach-O CPU type 0x1000007 is not arm64"],
    ["win-x64", elf(0x3e), "not a PE file"],
    ["win-x64", pe(0xaa64), "PE machine 0xaa64 is not amd64"],
  ])("refuses a wrong header for %s", (name, header, message) => {
    expect(() => checkHeader(header, targetNamed(name))).toThrow(message);
  });
});

describe("checkExecutable", () => {
  const blob = Buffer.from("the SEA preparation blob");
  const withFuse = (value: string): Buffer => Buffer.concat([elf(0x3e), Buffer.from(`${SEA_FUSE}:${value}`), blob]);

  it("accepts an executable holding the blob with the fuse set", () => {
    expect(() => checkExecutable(withFuse("1"), blob, targetNamed("linux-x64"))).not.toThrow();
  });

  it("refuses one whose fuse is unset, or without the blob", () => {
    expect(() => checkExecutable(withFuse("0"), blob, targetNamed("linux-x64"))).toThrow("the SEA fuse is not set");
    expect(() => checkExecutable(withFuse("1"), Buffer.from("another blob"), targetNamed("linux-x64"))).toThrow("NODE_SEA_BLOB is not in the executable");
  });
});
