// Writing output files so that a failure never leaves a half-written file: the text goes to a temporary file in
// the same directory (same filesystem, so the rename is atomic), is flushed to disk, then renamed over the target.
// A reader sees the old file or the new one, never a mix; on any error the temporary file is removed.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors.js";

/**
 * Replace `file` with `text` atomically. `mode` defaults to the existing file's mode (so a 0600 file stays
 * 0600), or for a new file to 0666 less the umask, as any new file gets. Errors are InputErrors naming the file.
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array, mode?: number): Promise<void> {
  await writeVia(file, text, mode ?? existingMode(file), (temp) => fs.promises.rename(temp, file));
}

/**
 * Like writeFileAtomic, but refuses to replace an existing file (for private keys: never overwrite one). The
 * temporary file is hard-linked to the target name, which fails atomically when the name is taken.
 */
export async function writeNewFile(file: string, text: string | Uint8Array, mode = 0o600): Promise<void> {
  await writeVia(file, text, mode, async (temp) => {
    try {
      await fs.promises.link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new InputError(`${file} already exists`, "refusing to overwrite it; choose another path or move the file away first");
      }
      throw error;
    }
  });
}

async function writeVia(
  file: string,
  text: string | Uint8Array,
  mode: number | undefined,
  publish: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await fs.promises.open(temp, "wx", mode ?? 0o666);
    created = true;
    try {
      await handle.writeFile(text);
      if (mode !== undefined) await handle.chmod(mode); // exactly this mode, whatever the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await publish(temp);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot write ${file} (${codeOf(error)})`, "check that its directory exists and is writable", { cause: error });
  } finally {
    // After a rename the temporary name is gone; after a link (or a failure) it must be removed.
    if (created) await fs.promises.rm(temp, { force: true });
  }
}

function existingMode(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? "unknown error";
}
