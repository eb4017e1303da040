# SUSHI on a PYNQ-Z2: the design talks to the outside through the processing system only; the one
# fabric pin is LED0, lit while the accelerator is busy. Pin from the PYNQ-Z2 master XDC (LD0);
# check it against your board's revision. Clocks come from the PS (FCLK_CLK0), whose constraints
# Vivado generates.
set_property -dict {PACKAGE_PIN R14 IOSTANDARD LVCMOS33} [get_ports busy_led]
