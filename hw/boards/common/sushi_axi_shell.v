// SPDX-License-Identifier: Apache-2.0
//
// sushi_axi_shell: sushi_top with the full AXI4 / AXI4-Lite port sets a Zynq processing system
// connects to, for Vivado block designs (a module reference: its m_axi_* and s_axil_* ports are
// inferred as one AXI4 master and one AXI4-Lite slave).
//
// Contract:
// - Everything of sushi_top, unchanged (rtl/sushi_top.v); the parameters are passed through.
// - m_axi: ID width 1, tied to 0 (one ID: responses in order, which sushi_top relies on);
//   AxCACHE = 4'b0011 (normal, non-cacheable, bufferable: the PS DDR through an HP port, which is
//   not coherent, so the host maps the buffer uncached); AxPROT = 3'b000; AxLOCK = 0; AxQOS = 0.
// - s_axil: AxPROT is accepted and ignored.
// - busy_led mirrors STATUS.BUSY for a board LED.

`default_nettype none

module sushi_axi_shell #(
  // Width of an AXI byte address in bits (13..32)
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes (4, 8 or 16; the PS port must be configured to match)
  parameter integer DataBytes = 8,
  // Longest AXI burst in beats
  parameter integer MaxBurstBeats = 16,
  // Read bursts in flight at most
  parameter integer MaxOutstandingReads = 4,
  // Write bursts in flight at most
  parameter integer MaxOutstandingWrites = 4,
  // REG_CONFIG_HASH of the hw config the parameters come from (hw/gen/<config>/params.f)
  parameter [31:0] ConfigHash = 32'h0,
  // MAC array rows R
  parameter integer ArrayRows = 4,
  // MAC array columns C
  parameter integer ArrayCols = 4,
  // Activation memory bytes
  parameter integer ActBytes = 8192,
  // Weight staging memory bytes
  parameter integer WmemBytes = 2048,
  // Persistent buffer bytes
  parameter integer PbBytes = 8192,
  // Epilogue parameter entries
  parameter integer EpiEntries = 256
) (
  // Vivado interface attributes (other tools ignore them): the clock of both buses, the reset,
  // and a level-sensitive interrupt.
  (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axil:m_axi, ASSOCIATED_RESET rst_n" *)
  input  wire                   clk,
  (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
  input  wire                   rst_n,
  (* X_INTERFACE_INFO = "xilinx.com:signal:interrupt:1.0 irq INTERRUPT" *)
  (* X_INTERFACE_PARAMETER = "SENSITIVITY LEVEL_HIGH" *)
  output wire                   irq,
  output wire                   busy_led,
  // AXI4-Lite slave: registers
  input  wire [11:0]            s_axil_awaddr,
  input  wire [2:0]             s_axil_awprot,
  input  wire                   s_axil_awvalid,
  output wire                   s_axil_awready,
  input  wire [31:0]            s_axil_wdata,
  input  wire [3:0]             s_axil_wstrb,
  input  wire                   s_axil_wvalid,
  output wire                   s_axil_wready,
  output wire [1:0]             s_axil_bresp,
  output wire                   s_axil_bvalid,
  input  wire                   s_axil_bready,
  input  wire [11:0]            s_axil_araddr,
  input  wire [2:0]             s_axil_arprot,
  input  wire                   s_axil_arvalid,
  output wire                   s_axil_arready,
  output wire [31:0]            s_axil_rdata,
  output wire [1:0]             s_axil_rresp,
  output wire                   s_axil_rvalid,
  input  wire                   s_axil_rready,
  // AXI4 master: memory
  output wire [0:0]             m_axi_arid,
  output wire [AddrBits-1:0]    m_axi_araddr,
  output wire [7:0]             m_axi_arlen,
  output wire [2:0]             m_axi_arsize,
  output wire [1:0]             m_axi_arburst,
  output wire                   m_axi_arlock,
  output wire [3:0]             m_axi_arcache,
  output wire [2:0]             m_axi_arprot,
  output wire [3:0]             m_axi_arqos,
  output wire                   m_axi_arvalid,
  input  wire                   m_axi_arready,
  input  wire [0:0]             m_axi_rid,
  input  wire [8*DataBytes-1:0] m_axi_rdata,
  input  wire [1:0]             m_axi_rresp,
  input  wire                   m_axi_rlast,
  input  wire                   m_axi_rvalid,
  output wire                   m_axi_rready,
  output wire [0:0]             m_axi_awid,
  output wire [AddrBits-1:0]    m_axi_awaddr,
  output wire [7:0]             m_axi_awlen,
  output wire [2:0]             m_axi_awsize,
  output wire [1:0]             m_axi_awburst,
  output wire                   m_axi_awlock,
  output wire [3:0]             m_axi_awcache,
  output wire [2:0]             m_axi_awprot,
  output wire [3:0]             m_axi_awqos,
  output wire                   m_axi_awvalid,
  input  wire                   m_axi_awready,
  output wire [8*DataBytes-1:0] m_axi_wdata,
  output wire [DataBytes-1:0]   m_axi_wstrb,
  output wire                   m_axi_wlast,
  output wire                   m_axi_wvalid,
  input  wire                   m_axi_wready,
  input  wire [0:0]             m_axi_bid,
  input  wire [1:0]             m_axi_bresp,
  input  wire                   m_axi_bvalid,
  output wire                   m_axi_bready
);

  // Inputs a PS port drives but sushi_top does not need (one ID, no protection levels).
  wire unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, m_axi_rid, m_axi_bid};

  assign m_axi_arid    = 1'b0;
  assign m_axi_awid    = 1'b0;
  assign m_axi_arlock  = 1'b0;
  assign m_axi_awlock  = 1'b0;
  assign m_axi_arcache = 4'b0011;
  assign m_axi_awcache = 4'b0011;
  assign m_axi_arprot  = 3'b000;
  assign m_axi_awprot  = 3'b000;
  assign m_axi_arqos   = 4'b0000;
  assign m_axi_awqos   = 4'b0000;

  sushi_top #(
    .AddrBits             (AddrBits),
    .DataBytes            (DataBytes),
    .MaxBurstBeats        (MaxBurstBeats),
    .MaxOutstandingReads  (MaxOutstandingReads),
    .MaxOutstandingWrites (MaxOutstandingWrites),
    .ConfigHash           (ConfigHash),
    .ArrayRows            (ArrayRows),
    .ArrayCols            (ArrayCols),
    .ActBytes             (ActBytes),
    .WmemBytes            (WmemBytes),
    .PbBytes              (PbBytes),
    .EpiEntries           (EpiEntries)
  ) u_sushi (
    .clk            (clk),
    .rst_n          (rst_n),
    .irq            (irq),
    .busy           (busy_led),
    .s_axil_awaddr  (s_axil_awaddr),
    .s_axil_awvalid (s_axil_awvalid),
    .s_axil_awready (s_axil_awready),
    .s_axil_wdata   (s_axil_wdata),
    .s_axil_wstrb   (s_axil_wstrb),
    .s_axil_wvalid  (s_axil_wvalid),
    .s_axil_wready  (s_axil_wready),
    .s_axil_bresp   (s_axil_bresp),
    .s_axil_bvalid  (s_axil_bvalid),
    .s_axil_bready  (s_axil_bready),
    .s_axil_araddr  (s_axil_araddr),
    .s_axil_arvalid (s_axil_arvalid),
    .s_axil_arready (s_axil_arready),
    .s_axil_rdata   (s_axil_rdata),
    .s_axil_rresp   (s_axil_rresp),
    .s_axil_rvalid  (s_axil_rvalid),
    .s_axil_rready  (s_axil_rready),
    .m_axi_araddr   (m_axi_araddr),
    .m_axi_arlen    (m_axi_arlen),
    .m_axi_arsize   (m_axi_arsize),
    .m_axi_arburst  (m_axi_arburst),
    .m_axi_arvalid  (m_axi_arvalid),
    .m_axi_arready  (m_axi_arready),
    .m_axi_rdata    (m_axi_rdata),
    .m_axi_rresp    (m_axi_rresp),
    .m_axi_rlast    (m_axi_rlast),
    .m_axi_rvalid   (m_axi_rvalid),
    .m_axi_rready   (m_axi_rready),
    .m_axi_awaddr   (m_axi_awaddr),
    .m_axi_awlen    (m_axi_awlen),
    .m_axi_awsize   (m_axi_awsize),
    .m_axi_awburst  (m_axi_awburst),
    .m_axi_awvalid  (m_axi_awvalid),
    .m_axi_awready  (m_axi_awready),
    .m_axi_wdata    (m_axi_wdata),
    .m_axi_wstrb    (m_axi_wstrb),
    .m_axi_wlast    (m_axi_wlast),
    .m_axi_wvalid   (m_axi_wvalid),
    .m_axi_wready   (m_axi_wready),
    .m_axi_bresp    (m_axi_bresp),
    .m_axi_bvalid   (m_axi_bvalid),
    .m_axi_bready   (m_axi_bready)
  );

endmodule

`default_nettype wire
