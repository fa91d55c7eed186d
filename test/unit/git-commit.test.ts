import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitFiles } from "../../src/git/commit.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});
function repoWithHistory(options?: { identity?: boolean }): TempRepo {
  const repo = makeRepo(options);
  repos.push(repo);
  isolateGitConfig(repo);
  repo.write("README.md", "hello\n");
  repo.write("apps/web/sealed.yaml", "old: sealed\n");
  repo.git("add", "README.md", "apps/web/sealed.yaml");
  repo.git("-c", "user.name=Setup", "-c", "user.email=setup@example.com", "commit", "-q", "-m", "initial");
  return repo;
}

describe("commitFiles", () => {
  it("commits only the given files in one commit, by the repository's configured author", async () => {
    const repo = repoWithHistory();
    const changed = repo.write("apps/web/sealed.yaml", "new: sealed\n");
    const added = repo.write("apps/api/sealed.yaml", "api: sealed\n");
    repo.write("unrelated.txt", "not staged, not committed\n");

    const before = repo.git("rev-parse", "HEAD").trim();
    const result = await commitFiles(repo.dir, [changed, added], "seal: web and api secrets");

    expect(repo.git("rev-parse", "HEAD").trim()).toBe(result.commit);
    expect(repo.git("rev-parse", "HEAD~1").trim()).toBe(before);
    const files = repo.git("show", "--name-only", "--format=", "HEAD").trim().split("\n").sort();
    expect(files).toEqual(["apps/api/sealed.yaml", "apps/web/sealed.yaml"]);
    expect(repo.git("show", "HEAD:apps/web/sealed.yaml")).toBe("new: sealed\n");
    expect(repo.git("show", "HEAD:README.md")).toBe("hello\n");
    expect(repo.git("log", "-1", "--format=%an <%ae>|%cn <%ce>|%s")).toBe(
      "Repo Author <repo.author@example.com>|Repo Author <repo.author@example.com>|seal: web and api secrets\n",
    );
    // Index matches the commit for the committed files; the untracked file stays untracked.
    expect(repo.git("status", "--porcelain")).toBe("?? unrelated.txt\n");
    repo.git("fsck", "--strict", "--no-progress");
  });

  it("leaves the user's other staged change out of the commit and still staged", async () => {
    const repo = repoWithHistory();
    repo.write("README.md", "hello, staged edit\n");
    repo.write("notes/todo.md", "staged new file\n");
    repo.git("add", "README.md", "notes/todo.md");
    const sealed = repo.write("apps/web/sealed.yaml", "resealed: true\n");

    await commitFiles(repo.dir, [sealed], "seal: reseal web");

    expect(repo.git("show", "--name-only", "--format=", "HEAD").trim()).toBe("apps/web/sealed.yaml");
    expect(repo.git("show", "HEAD:README.md")).toBe("hello\n");
    expect(repo.git("diff", "--cached", "--name-only").trim().split("\n").sort()).toEqual([
      "README.md",
      "notes/todo.md",
    ]);
    expect(repo.git("show", ":README.md")).toBe("hello, staged edit\n");
    expect(repo.git("status", "--porcelain").split("\n").filter(Boolean).sort()).toEqual([
      "A  notes/todo.md",
      "M  README.md",
    ]);
  });

  it("makes the first commit of an empty repository", async () => {
    const repo = makeRepo();
    repos.push(repo);
    isolateGitConfig(repo);
    const file = repo.write("sealed.yaml", "first: sealed\n");
    await commitFiles(path.join(repo.dir), [file], "seal: first");
    expect(repo.git("log", "--format=%s")).toBe("seal: first\n");
    expect(repo.git("ls-tree", "-r", "--name-only", "HEAD")).toBe("sealed.yaml\n");
  });

  it("falls back to the global git config, and names `git config user.email` when there is no author", async () => {
    const repo = repoWithHistory({ identity: false });
    const file = repo.write("apps/web/sealed.yaml", "x: y\n");
    await expect(commitFiles(repo.dir, [file], "seal")).rejects.toThrow(/git config user\.email/);
    expect(repo.git("log", "--format=%s")).toBe("initial\n");

    fs.writeFileSync(
      path.join(repo.dir, ".git-global-config"),
      "[user]\n\tname = Global Person\n\temail = global@example.com\n",
    );
    await commitFiles(repo.dir, [file], "seal");
    expect(repo.git("log", "-1", "--format=%an <%ae>")).toBe("Global Person <global@example.com>\n");
  });

  it("refuses files outside the repository", async () => {
    const repo = repoWithHistory();
    await expect(commitFiles(repo.dir, [path.join(repo.dir, "..", "elsewhere.yaml")], "m")).rejects.toThrow(
      /outside the repository/,
    );
  });
});

describe("commitFiles refusals and no-ops", () => {
  it("makes no commit when the files are already committed as they are", async () => {
    const repo = repoWithHistory();
    const head = repo.git("rev-parse", "HEAD").trim();
    const result = await commitFiles(repo.dir, [path.join(repo.dir, "apps/web/sealed.yaml")], "seal: nothing new");
    expect(result).toMatchObject({ commit: head, created: false });
    expect(repo.git("rev-parse", "HEAD").trim()).toBe(head);
  });

  it("refuses while a merge is in progress or another git holds the index lock", async () => {
    const repo = repoWithHistory();
    const file = repo.write("apps/web/sealed.yaml", "changed\n");
    fs.writeFileSync(path.join(repo.dir, ".git", "MERGE_HEAD"), `${repo.git("rev-parse", "HEAD").trim()}\n`);
    await expect(commitFiles(repo.dir, [file], "m")).rejects.toThrow(/merge is in progress.*git merge --abort/);
    fs.rmSync(path.join(repo.dir, ".git", "MERGE_HEAD"));
    fs.writeFileSync(path.join(repo.dir, ".git", "index.lock"), "");
    await expect(commitFiles(repo.dir, [file], "m")).rejects.toThrow(/index\.lock/);
    expect(repo.git("log", "--format=%s")).toBe("initial\n");
  });
});
