"""Week 8 (instructors): grade typical wrong implementations ("mutants") of tasks 8.1-8.6.

    python -m solutions.week8.check_mutants        # one line per mutant: task, change, points left, first line

Each mutant is the reference solution with one text substitution, copied into a temporary package and
graded with `pytest exercises/week8 --impl=<package> --task N.M`. Every mutant must lose its task's
points (8.4 has two functions: a mistake in one keeps the other's share). The table in exercises/week8/README.md.
"""
import os, shutil, subprocess, sys, re, tempfile
TMP = tempfile.mkdtemp(prefix="week8_mutants_")
REPO = str(__import__("pathlib").Path(__file__).resolve().parents[2])
MUTANTS = [
 ("8.1", "chat_template.py", "        emit(newline, 0)", "        emit(newline, a)"),
 ("8.1", "chat_template.py", "        emit([end], a)", "        emit([end], 0)"),
 ("8.1", "chat_template.py", 'emit([start] + encode_text(tok, role + "\\n"), 0)', 'emit([start] + encode_text(tok, role + "\\n"), a)'),
 ("8.2", "chat_template.py", "return list(tok.encode_ordinary(text))", 'return list(tok.encode(text, allowed_special="all"))'),
 ("8.2", "chat_template.py", "return list(tok.encode_ordinary(text))", 'return list(tok.encode_ordinary(text.replace("<|im_end|>", "").replace("<|im_start|>", "")))'),
 ("8.2", "chat_template.py", "return list(tok.encode_ordinary(text))", "return list(tok.encode(text))"),
 ("8.3", "bm25.py", "    for t in query:", "    for t in set(query):"),
 ("8.3", "bm25.py", "average = sum(idf.values()) / len(idf)", "average = sum(v for v in idf.values() if v > 0) / len(idf)"),
 ("8.3", "bm25.py", "df.update(c.keys())", "df.update(c)"),
 ("8.4", "grounding.py", 'return [int(i) for i in np.argsort(-s, kind="stable")[:k] if s[i] > 0]', "return [int(i) for i in np.argsort(s)[::-1][:k] if s[i] > 0]"),
 ("8.4", "grounding.py", 'return [int(i) for i in np.argsort(-s, kind="stable")[:k] if s[i] > 0]', 'return [int(i) for i in np.argsort(-s, kind="stable")[:k]]'),
 ("8.4", "grounding.py", '        text = " ".join(str(text).split())\n', "        text = str(text)\n"),
 ("8.5", "chat_turn.py", "if n and n < len(prompt) and prompt[:n] == cached and dec.length == n:", "if False:"),
 ("8.5", "chat_turn.py", "if n and n < len(prompt) and prompt[:n] == cached and dec.length == n:", "if n:"),
 ("8.5", "chat_turn.py", "return reply, prompt + reply[:-1], len(new)", "return reply, prompt + reply, len(new)"),
 ("8.6", "chat_turn.py", "        kept.pop(0)", "        kept.pop()"),
 ("8.6", "chat_turn.py", "    if fixed + reserve > block_size:\n        raise", "    if False:\n        raise"),
]
for j, (task, f, old, new) in enumerate(MUTANTS):  # noqa: B007
    pkg = os.path.join(TMP, f"m{j}")
    shutil.rmtree(pkg, ignore_errors=True)
    shutil.copytree(f"{REPO}/solutions", f"{pkg}/mutpkg{j}")
    p = f"{pkg}/mutpkg{j}/week8/{f}"
    s = open(p).read()
    assert old in s, (j, old)
    open(p, "w").write(s.replace(old, new, 1))
    env = dict(os.environ, PYTHONPATH=f"{REPO}:{pkg}")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{REPO}/exercises/week8",
                        f"--impl=mutpkg{j}", "--task", task], capture_output=True, text=True, cwd=REPO, env=env)
    m = re.search(rf"{re.escape(task)}\s+.*?(\d+(?:\.\d+)?) / (\d+)", r.stdout)
    line = [l for l in r.stdout.splitlines() if l.strip().startswith(task)]
    nxt = r.stdout.splitlines()[r.stdout.splitlines().index(line[0]) + 1].strip() if line else ""
    print(j, task, new[:50].replace("\n", " "), "->", m.group(1) if m else "?", "|", nxt[:110])
shutil.rmtree(TMP, ignore_errors=True)
