# Acknowledged, failed and unknown sends per second, with the faults
# shaded. Called by ksim run with gnuplot -e "dir='RUN_DIR'; nfaults=N; top=Y" rate.gp,
# reading RUN_DIR/rate.dat (second ok fail info) and RUN_DIR/faults.dat.
set terminal pngcairo size 1200,400 noenhanced font ",10"
set output dir."/rate.png"
set title "sends completed per second by outcome (shaded: faults)"
set xlabel "simulated time (s)"
set ylabel "sends / s"
set grid ytics
set key outside right top
set style fill transparent solid 0.15 noborder
set yrange [0:top]
plot \
  dir."/faults.dat" using (($1+$2)/2):(top/2):(($2-$1)/2):(top/2) \
      with boxxyerror lc rgb "#cc8800" title "faults", \
  dir."/rate.dat" using 1:2 with steps lw 2 lc rgb "#2a9d3f" title "ok", \
  dir."/rate.dat" using 1:3 with steps lw 2 lc rgb "#d62828" title "fail", \
  dir."/rate.dat" using 1:4 with steps lw 2 lc rgb "#f77f00" title "info"
