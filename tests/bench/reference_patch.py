#!/usr/bin/env python3
"""Patch a temporary copy of the authors' MoMoK code (github.com/zjukg/MoMoK) for the speed comparison.

Usage: reference_patch.py COPY_DIR --threads N [--batches N] [--features-as-is NAME] [--tucker-dropouts I,H,O]

Edits COPY_DIR in place; never point it at the user's own checkout. Every edit anchors on one
exact line of the released code and fails loudly if that line is missing or ambiguous, so a
changed upstream cannot be patched silently into something else. The model, loss, optimiser
and evaluation maths are left alone; the edits only add timing output, run on CPU with a fixed
thread count, and repair the crash at the first evaluation. Two optional edits serve the accuracy
comparison on a dataset the released code does not know (compare_countries_with_reference.sh):
one lets a dataset NAME use its image and text features as they are (the released code pools
them per dataset and has no branch for other names), one sets the three dropout rates its
TuckER layer hard-codes (0.3, 0.4, 0.5), so that both programs train the same setting.
"""
import argparse
import pathlib
import sys


def edit(path, old, new, why):
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        sys.exit(f"reference_patch.py: expected exactly one {old.strip()!r} in {path.name}, found {count} "
                 f"(needed to {why}); is this the authors' MoMoK code?")
    path.write_text(text.replace(old, new))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("copy_dir", type=pathlib.Path)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batches", type=int, default=0, help="stop each epoch after N batches (0: full epochs)")
    parser.add_argument("--features-as-is", metavar="NAME", help="dataset NAME uses its features unpooled")
    parser.add_argument("--tucker-dropouts", metavar="I,H,O", help="the TuckER layer's input, hidden and output dropout")
    opts = parser.parse_args()
    train = opts.copy_dir / "train.py"
    loader = opts.copy_dir / "utils" / "data_loader.py"
    model = opts.copy_dir / "models" / "RelMoE.py"
    layer = opts.copy_dir / "layers" / "layer.py"

    # 1. CPU: the released code selects a CUDA device even with --cuda -1.
    edit(train, "torch.cuda.set_device(args.cuda)\n",
         "if int(args.cuda) >= 0:\n    torch.cuda.set_device(args.cuda)\n"
         f"torch.set_num_threads({opts.threads})\n"
         "print('BENCH threads', torch.get_num_threads(), 'torch', torch.__version__, flush=True)\n",
         "skip set_device on CPU and fix the thread count")

    # 2. Optional partial epochs (smoke tests only; reported as partial).
    if opts.batches > 0:
        edit(train, "for batch_num in range(corpus.max_batch_num):\n",
             f"for batch_num in range(min(corpus.max_batch_num, {opts.batches})):\n",
             "limit the batches per epoch")

    # 3. One parseable line per epoch: wall time since the epoch's start (shuffle and batching included).
    edit(train, "        lr_scheduler.step()\n",
         "        lr_scheduler.step()\n"
         "        print('BENCH epoch {} seconds {:.6f} batches {} of {} loss_sum {:.6f} mi_loss_sum {:.6f}'.format(\n"
         "            epoch + 1, time.time() - t, len(epoch_loss), corpus.max_batch_num,\n"
         "            sum(epoch_loss), sum(epoch_mi_loss)), flush=True)\n",
         "print each epoch's time and loss")

    # 4. The crash: get_validation_pred returns (metrics, attentions) but train.py indexes the pair
    #    as the metrics dict (TypeError at the first evaluation).
    edit(train, "                val_metrics = corpus.get_validation_pred(model, 'test')\n",
         "                val_metrics, _ = corpus.get_validation_pred(model, 'test')\n",
         "unpack the evaluation's (metrics, attentions) result")

    # 5. After training: three full filtered test evaluations of the trained model, each timed.
    edit(train, "    print('Total time elapsed: {:.4f}s'.format(time.time() - t_total))\n",
         "    for bench_run in range(3):\n"
         "        model.eval()\n"
         "        estimator.eval()\n"
         "        t_eval = time.time()\n"
         "        with torch.no_grad():\n"
         "            bench_metrics, _ = corpus.get_validation_pred(model, 'test')\n"
         "        print('BENCH eval {} seconds {:.6f} mrr {:.6f} hits10 {:.6f}'.format(\n"
         "            bench_run + 1, time.time() - t_eval, bench_metrics['MRR'], bench_metrics['Hits@10']), flush=True)\n"
         "    print('Total time elapsed: {:.4f}s'.format(time.time() - t_total))\n",
         "time three test evaluations")

    # 6. Peak memory of the whole run, as the process itself sees it.
    with train.open("a") as f:
        f.write("\nimport resource\n"
                "print('BENCH peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)\n")

    # 7. torch.where with a uint8 mask is deprecated (PyTorch warns on every batch); a bool mask selects the same.
    text = loader.read_text()
    if "torch.where(y.byte()," not in text:
        sys.exit("reference_patch.py: torch.where(y.byte(), ...) not found in utils/data_loader.py")
    loader.write_text(text.replace("torch.where(y.byte(),", "torch.where(y.bool(),"))

    # 8. Optional: one more dataset branch, ahead of the released ones, that takes the features as they are.
    if opts.features_as_is:
        edit(model, '        if args.dataset == "DB15K":\n',
             f'        if args.dataset == {opts.features_as_is!r}:\n'
             '            img = args.img.to(self.device).view(args.img.size(0), -1)\n'
             '            txt = args.desp.to(self.device).view(args.desp.size(0), -1)\n'
             '        elif args.dataset == "DB15K":\n',
             "add a dataset branch that uses the features unpooled")

    # 9. Optional: the TuckER layer's dropout rates (the released code fixes them at 0.3, 0.4 and 0.5).
    if opts.tucker_dropouts:
        rates = [float(r) for r in opts.tucker_dropouts.split(",")]
        if len(rates) != 3 or not all(0 <= r < 1 for r in rates):
            sys.exit("reference_patch.py: --tucker-dropouts takes three rates in [0, 1), e.g. 0.2,0.2,0.2")
        for name, released, rate in zip(("input_drop", "hidden_drop", "out_drop"), ("0.3", "0.4", "0.5"), rates):
            edit(layer, f"        self.{name} = nn.Dropout({released})\n", f"        self.{name} = nn.Dropout({rate!r})\n",
                 f"set the TuckER layer's {name} rate")


if __name__ == "__main__":
    main()
