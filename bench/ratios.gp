# TK's speed over the best peer's per case (scripts/bench.sh): bars for the
# hand and the automatic schedule, 1 and 2 threads; the line at 1 is parity.
# gnuplot -e "datafile='...'; outfile='...'; term='svg|png'" bench/ratios.gp
if (term eq 'svg') set terminal svg size 1400,600 dynamic background rgb 'white'; else set terminal pngcairo size 1400,600
set output outfile
set title "TK / best peer (best peer's time over TK's; above 1: TK is faster)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -45 font ",9" nomirror
set logscale y 2
set yrange [0.003:4]
set ytics ("0.003" 0.003, "0.01" 0.01, "0.03" 0.03, "0.1" 0.1, "0.25" 0.25, "0.5" 0.5, "1" 1, "2" 2, "4" 4)
set grid ytics
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb 'black'
plot datafile using 2:xtic(1) title 'hand, 1 thread', '' using 3 title 'auto, 1 thread', \
     '' using 4 title 'hand, 2 threads', '' using 5 title 'auto, 2 threads'
